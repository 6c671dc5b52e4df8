/**
 * The API shapes the browser sees (SPEC §2, §6, §7). Where the server has the type, it is imported
 * from there (type-only: nothing of lambdas/ reaches the bundle), so the two cannot drift apart.
 */
import type { NotificationSettings } from '../../../lambdas/domain/settings.js';
export type { Visitor, LastMessage, ConversationListItem as ConversationItem, ListFilter as Filter } from '../../../lambdas/store/conversations.js';
import type { ListFilter as Filter } from '../../../lambdas/store/conversations.js';
export type { ChatMessageFrame } from '../../../lambdas/domain/frames.js';
export type { Platform } from '../../../lambdas/domain/push.js';
import type { Platform } from '../../../lambdas/domain/push.js';

export type Settings = NotificationSettings;

export interface Me {
  agentId: string;
  workspaceId: string;
  email: string;
  name: string;
  settings: Settings;
  /** SPEC §10.3: reminder emails to this address were refused for good or bounced. */
  emailStatus?: 'ok' | 'failing';
  /** SPEC §11.2 (when the server has it). */
  unreadConversations?: number;
}

export interface Message {
  messageId: string;
  seq: number;
  from: { type: 'visitor' | 'agent'; id: string; name?: string };
  body: string;
  createdAt: string;
}

export const FILTERS: readonly Filter[] = ['all', 'unread', 'assigned', 'unassigned'];

export const PLATFORMS: readonly Platform[] = ['APNS', 'APNS_SANDBOX', 'GCM'];

/** GET /v1/me/devices (SPEC §6): the token itself is never returned. */
export interface Device {
  deviceId: string;
  endpointArn: string;
  platform: Platform;
  enabled: boolean;
  registeredAt: string;
}

/** GET /v1/agents. */
export interface Teammate {
  agentId: string;
  name: string;
}

/** SPEC §7: what a chat.message frame may carry beyond its base shape (issue 13). */
export interface ChatMessageExtras {
  notify?: boolean;
  unreadConversations?: number;
}

/** SPEC §7: a teammate assigned, answered or read a conversation. */
export interface ConversationUpdatedFrame {
  type: 'conversation.updated';
  conversationId: string;
  assigneeId: string | null;
  status: 'read' | 'unread';
  lastMessage?: import('../../../lambdas/store/conversations.js').LastMessage | null;
  readBy?: string;
}

/** SPEC §7, §11.3: this agent read a conversation (in any tab or device). */
export interface ConversationReadFrame {
  type: 'conversation.read';
  conversationId: string;
  readSeq: number;
  unreadConversations?: number;
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
