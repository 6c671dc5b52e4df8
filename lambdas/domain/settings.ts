/** Notification settings (SPEC §2): defaults for a new agent and the email rule. */
export type Scope = 'all' | 'assigned';
/** SPEC §11.5: how much of the visitor and the message a push and a browser notification show. */
export type PushPreview = 'full' | 'name' | 'none';

/** SPEC §11.4: a daily window in an IANA time zone; `days` (0 = Sunday) are the days a window starts on. */
export interface QuietHours {
  start: string;
  end: string;
  timeZone: string;
  days?: number[];
}

export interface NotificationSettings {
  desktop: boolean;
  mobile: boolean;
  email: boolean;
  emailUnreadReminder: boolean;
  scope: Scope;
  unassigned: boolean;
  pushPreview: PushPreview;
  quietHours: QuietHours | null;
  mobileOnlyWhenAway: boolean;
}

export const DEFAULT_SETTINGS: Readonly<NotificationSettings> = Object.freeze({
  desktop: true,
  mobile: true,
  email: false,
  emailUnreadReminder: false,
  scope: 'assigned',
  unassigned: true,
  pushPreview: 'full',
  quietHours: null,
  mobileOnlyWhenAway: false,
});

export function defaultSettings(): NotificationSettings {
  return { ...DEFAULT_SETTINGS };
}

/**
 * A stored or PUT settings object with every field present (SPEC §2: the three newer fields are
 * optional in PUT and on records written before them). An absent or undefined field takes its default.
 */
export function withDefaults(s: Partial<NotificationSettings> | undefined): NotificationSettings {
  const out = defaultSettings();
  for (const [key, v] of Object.entries(s ?? {})) if (v !== undefined && key in out) (out as unknown as Record<string, unknown>)[key] = v;
  return out;
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
