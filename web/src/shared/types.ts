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
