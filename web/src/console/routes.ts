/**
 * The console's views live in the location hash, so a reload or a link (the reminder email's, a
 * notification's click) lands on the same view: `#/`, `#/c/{conversationId}`, `#/settings`.
 */
import { FILTERS, type Filter } from '../shared/types.js';

/** `#/?filter=unread`: the list with that filter (the reminder email's "… and N more" link). */
export type View = { name: 'conversations'; openId?: string; filter?: Filter } | { name: 'settings' } | { name: 'log' };

export function parseHash(hash: string): View {
  const h = hash.replace(/^#/, '');
  if (h === '/settings') return { name: 'settings' };
  // SPEC §12: the notification log (views/notification-log.ts).
  if (h === '/log') return { name: 'log' };
  const f = /^\/\?filter=([a-z]+)$/.exec(h)?.[1] as Filter | undefined;
  if (f && FILTERS.includes(f)) return { name: 'conversations', filter: f };
  const m = /^\/c\/([A-Za-z0-9_-]{1,128})$/.exec(h);
  return m ? { name: 'conversations', openId: m[1] } : { name: 'conversations' };
}

export function conversationHash(id: string): string {
  return `#/c/${id}`;
}

/** Links from outside (email) may say `?conversation={id}`: turn that into the hash form once. */
export function adoptQueryLink(): void {
  const u = new URL(location.href);
  const id = u.searchParams.get('conversation');
  if (!id || !/^[A-Za-z0-9_-]{1,128}$/.test(id)) return;
  u.searchParams.delete('conversation');
  u.hash = conversationHash(id);
  history.replaceState(null, '', u.toString());
}
