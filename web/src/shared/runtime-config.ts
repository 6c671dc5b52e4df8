/** Runtime configuration: one build serves the offline stack and every deployment. */
import type { RuntimeConfig } from './types.js';

export async function loadConfig(): Promise<RuntimeConfig> {
  const r = await fetch('/config.json', { cache: 'no-store' });
  if (!r.ok) throw new Error(`config.json answered ${r.status}`);
  const c = (await r.json()) as Partial<RuntimeConfig>;
  if (typeof c.apiUrl !== 'string' || typeof c.wsUrl !== 'string') throw new Error('config.json lacks apiUrl or wsUrl');
  return { apiUrl: c.apiUrl.replace(/\/+$/, ''), wsUrl: c.wsUrl, auth: c.auth ?? { mode: 'local' } };
}
