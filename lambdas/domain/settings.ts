/** Notification settings (SPEC §2): defaults for a new agent and the email rule. */
export type Scope = 'all' | 'assigned';

export interface NotificationSettings {
  desktop: boolean;
  mobile: boolean;
  email: boolean;
  emailUnreadReminder: boolean;
  scope: Scope;
  unassigned: boolean;
}

export const DEFAULT_SETTINGS: Readonly<NotificationSettings> = Object.freeze({
  desktop: true,
  mobile: true,
  email: false,
  emailUnreadReminder: false,
  scope: 'assigned',
  unassigned: true,
});

export function defaultSettings(): NotificationSettings {
  return { ...DEFAULT_SETTINGS };
}

/** Email goes out only when both toggles are on (SPEC §2). */
export function wantsEmail(s: NotificationSettings): boolean {
  return s.email && s.emailUnreadReminder;
}

export type Channel = 'desktop' | 'mobile' | 'email';

export function channelsOn(s: NotificationSettings): Channel[] {
  const out: Channel[] = [];
  if (s.desktop) out.push('desktop');
  if (s.mobile) out.push('mobile');
  if (wantsEmail(s)) out.push('email');
  return out;
}
