/**
 * The reminder digest (SPEC §1, §4): one email per agent listing each due conversation with the
 * visitor's name, the newest message text, how many messages are unread and a link into the
 * console. Everything a visitor typed is escaped in the HTML part: it is untrusted input.
 */
import { cutCodePoints, PREVIEW_CODE_POINTS, stripUnsafeChars } from './text.js';
import { visitorDisplayName } from './visitor-message.js';

export interface DigestConversation {
  conversationId: string;
  visitorName?: string | null;
  /** The newest visitor message of those listed. */
  newestText: string;
  /** Visitor messages the agent has neither read nor been emailed about. */
  unreadCount: number;
}

export interface DigestInput {
  agentName?: string | null;
  consoleUrl: string;
  conversations: readonly DigestConversation[];
  /** Further due conversations the email does not list one by one (SPEC §10.3): counted and linked. */
  more?: number;
}

export interface Digest {
  subject: string;
  text: string;
  html: string;
}

const NAME_CODE_POINTS = 80;

/**
 * SPEC §10.3: at most this many conversations are listed; the rest are one line. Each listed one
 * is at most ~1 KB of text and ~2 KB of HTML (a 500-code-point preview, escaped), so a digest stays
 * around 150 KB, far below SES's 10 MB, however much is due.
 */
export const DIGEST_MAX_CONVERSATIONS = 50;

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/** A name on one line (a subject cannot hold line breaks), short, and never empty. */
export function visitorLabel(name: string | null | undefined): string {
  // Controls and bidi overrides never reach a subject (SPEC §8); nor the name anywhere else in the email.
  return cutCodePoints(
    visitorDisplayName(
      stripUnsafeChars(name ?? '')
        .replace(/\s+/g, ' ')
        .trim() || undefined,
    ),
    NAME_CODE_POINTS,
  );
}

export function conversationLink(consoleUrl: string, conversationId: string): string {
  return `${consoleUrl.replace(/\/+$/, '')}/#/c/${encodeURIComponent(conversationId)}`;
}

/** The console's list filtered to the agent's unread conversations (web/src/console/routes.ts). */
/** SPEC §11.7: the console's notification settings (web/src/console/routes.ts `#/settings`). */
export function settingsLink(consoleUrl: string): string {
  return `${consoleUrl.replace(/\/+$/, '')}/#/settings`;
}

export function unreadListLink(consoleUrl: string): string {
  return `${consoleUrl.replace(/\/+$/, '')}/#/?filter=unread`;
}

export function moreLine(n: number): string {
  return n === 1 ? '… and 1 more unread conversation' : `… and ${n} more unread conversations`;
}

export function unreadPhrase(n: number): string {
  return n === 1 ? '1 unread message' : `${n} unread messages`;
}

function subjectFor(convs: readonly DigestConversation[], total: number): string {
  const [only] = convs;
  if (total === 1 && only) {
    return only.unreadCount === 1 ? `Unread chat message from ${visitorLabel(only.visitorName)}` : `${unreadPhrase(only.unreadCount)} from ${visitorLabel(only.visitorName)}`;
  }
  return `Unread chat messages in ${total} conversations`;
}

function intro(total: number): string {
  return total === 1 ? 'A visitor is waiting for an answer in 1 conversation.' : `Visitors are waiting for an answer in ${total} conversations.`;
}

const FOOTER = 'You get this email because reminders about unread chat messages are on in your notification settings.';

export function buildDigest(input: DigestInput): Digest {
  const all = input.conversations;
  if (all.length === 0) throw new Error('a digest needs at least one conversation');
  const convs = all.slice(0, DIGEST_MAX_CONVERSATIONS);
  const more = Math.max(0, input.more ?? 0) + (all.length - convs.length);
  const total = convs.length + more;
  const moreLink = unreadListLink(input.consoleUrl);
  const greeting = input.agentName?.trim() ? `Hi ${input.agentName.trim()},` : 'Hi,';

  const items = convs.map((c) => ({
    name: visitorLabel(c.visitorName),
    text: cutCodePoints(c.newestText, PREVIEW_CODE_POINTS),
    unread: unreadPhrase(c.unreadCount),
    link: conversationLink(input.consoleUrl, c.conversationId),
  }));

  const text = [
    greeting,
    '',
    intro(total),
    '',
    ...items.flatMap((i) => [`${i.name} (${i.unread})`, ...i.text.split('\n').map((l) => `> ${l}`), `Open the conversation: ${i.link}`, '']),
    ...(more > 0 ? [`${moreLine(more)}: ${moreLink}`, ''] : []),
    FOOTER,
    `Change or turn off these emails: ${settingsLink(input.consoleUrl)}`,
    '',
  ].join('\n');

  const html = [
    '<!DOCTYPE html>',
    '<html><head><meta charset="utf-8"></head>',
    '<body style="font-family: sans-serif; line-height: 1.4">',
    `<p>${escapeHtml(greeting)}</p>`,
    `<p>${escapeHtml(intro(total))}</p>`,
    ...items.map(
      (i) =>
        '<div style="margin: 0 0 1.2em 0">' +
        `<div><strong>${escapeHtml(i.name)}</strong> &middot; ${escapeHtml(i.unread)}</div>` +
        `<blockquote style="margin: 0.3em 0; padding-left: 0.8em; border-left: 3px solid #ccc; white-space: pre-wrap">${escapeHtml(i.text)}</blockquote>` +
        `<div><a href="${escapeHtml(i.link)}">Open the conversation</a></div>` +
        '</div>',
    ),
    ...(more > 0 ? [`<p>${escapeHtml(moreLine(more))}: <a href="${escapeHtml(moreLink)}">see them all in the console</a></p>`] : []),
    `<p style="color: #666; font-size: 0.9em">${escapeHtml(FOOTER)} <a href="${escapeHtml(settingsLink(input.consoleUrl))}">Change or turn off these emails</a></p>`,
    '</body></html>',
  ].join('\n');

  return { subject: stripUnsafeChars(subjectFor(convs, total)), text, html };
}
