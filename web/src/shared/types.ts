/** The API shapes the browser sees (SPEC §2, §6, §7). */
export interface Settings {
  desktop: boolean;
  mobile: boolean;
  email: boolean;
  emailUnreadReminder: boolean;
  scope: 'all' | 'assigned';
  unassigned: boolean;
}

export interface Me {
  agentId: string;
  workspaceId: string;
  email: string;
  name: string;
  settings: Settings;
}

export interface Visitor {
  name?: string;
  email?: string;
}

export interface LastMessage {
  messageId: string;
  seq: number;
  from: { type: 'visitor' | 'agent'; id: string };
  body: string;
  createdAt: string;
}

export interface ConversationItem {
  conversationId: string;
  visitor: Visitor;
  assigneeId: string | null;
  lastMessage: LastMessage | null;
  unread: boolean;
  status: 'read' | 'unread';
}

export interface Message {
  messageId: string;
  seq: number;
  from: { type: 'visitor' | 'agent'; id: string; name?: string };
  body: string;
  createdAt: string;
}

export type Filter = 'all' | 'unread' | 'assigned' | 'unassigned';
export const FILTERS: readonly Filter[] = ['all', 'unread', 'assigned', 'unassigned'];

export interface ChatMessageFrame {
  type: 'chat.message';
  workspaceId: string;
  conversationId: string;
  messageId: string;
  seq: number;
  from: { type: 'visitor'; id: string; name?: string };
  preview: string;
  assigneeId: string | null;
  createdAt: string;
}

export type Platform = 'APNS' | 'APNS_SANDBOX' | 'GCM';
export const PLATFORMS: readonly Platform[] = ['APNS', 'APNS_SANDBOX', 'GCM'];

export interface Device {
  deviceId: string;
  endpointArn: string;
  platform: Platform;
  token: string;
}

/** What the page finds at /config.json: local (offline stack) or OIDC (deployed). */
export type AuthConfig =
  | { mode: 'local' }
  | {
      mode: 'oidc';
      issuer: string;
      clientId: string;
      /** Taken from the issuer's discovery document when absent. */
      authorizeUrl?: string;
      tokenUrl?: string;
      /** Cognito's hosted-UI /logout, say; sign-out only forgets the token when absent. */
      logoutUrl?: string;
      scope?: string;
    };

export interface RuntimeConfig {
  apiUrl: string;
  wsUrl: string;
  auth: AuthConfig;
}
