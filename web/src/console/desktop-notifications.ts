/**
 * The desktop channel's last step: the browser notification. The tag is the conversation id, so
 * several open tabs (each receives the frame) and several messages collapse into one notification
 * per conversation instead of a stack.
 */
import type { ChatMessageFrame } from '../shared/types.js';
import { visitorName } from './conversation-list.js';

export type Permission = NotificationPermission | 'unsupported';

export function permission(): Permission {
  return 'Notification' in window ? Notification.permission : 'unsupported';
}

export async function askPermission(): Promise<Permission> {
  if (!('Notification' in window)) return 'unsupported';
  return Notification.requestPermission();
}

/** SPEC §11.5: what a browser notification shows under each `pushPreview`. */
export function notificationText(f: ChatMessageFrame, preview: 'full' | 'name' | 'none'): { title: string; body: string } {
  if (preview === 'none') return { title: 'New message', body: '' };
  if (preview === 'name') return { title: visitorName(f.from), body: 'New message' };
  return { title: visitorName(f.from), body: f.preview };
}

/** This tab's open notifications by conversation: a read elsewhere closes them (SPEC §11.3). */
const open = new Map<string, Notification>();

export function showNotification(f: ChatMessageFrame, preview: 'full' | 'name' | 'none', onOpen: (conversationId: string) => void): Notification | undefined {
  if (permission() !== 'granted') return undefined;
  const { title, body } = notificationText(f, preview);
  const n = new Notification(title, { body, tag: f.conversationId });
  open.set(f.conversationId, n);
  n.onclose = () => {
    if (open.get(f.conversationId) === n) open.delete(f.conversationId);
  };
  n.onclick = () => {
    window.focus();
    onOpen(f.conversationId);
    n.close();
  };
  return n;
}

/** Close this tab's notification of a conversation; true when there was one. */
export function closeNotification(conversationId: string): boolean {
  const n = open.get(conversationId);
  if (!n) return false;
  open.delete(conversationId);
  n.close();
  return true;
}

/** What the in-page banner says for each permission state; undefined when no banner is needed. */
export function bannerText(p: Permission): { text: string; canAsk: boolean } | undefined {
  switch (p) {
    case 'granted':
      return undefined;
    case 'default':
      return {
        text: 'Desktop notifications are on in your settings, but this browser has not been allowed to show them yet. Allow notifications to hear about new visitor messages while this tab is in the background.',
        canAsk: true,
      };
    case 'denied':
      return {
        text: 'This browser blocks notifications from the console. To allow them, click the icon at the left of the address bar (the padlock or the site settings icon), set Notifications to Allow, and reload the page.',
        canAsk: false,
      };
    case 'unsupported':
      return { text: 'This browser cannot show desktop notifications. New messages still appear in this page.', canAsk: false };
  }
}
