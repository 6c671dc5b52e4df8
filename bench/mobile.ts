/**
 * Mobile latency: visitor `POST` → the push the local SNS recorded for the agent's device. The
 * local SNS stamps each push (`at`, ms) as it accepts the Publish; the bench polls its list and
 * subtracts the wall-clock time taken just before the POST (same process, same clock).
 */
import type { OfflineStack } from '../local/stack.js';
import { call } from '../test/support/offline.js';
import { benchId, newAgents, newConversation, putSettings, registerDevice, visitorPost } from './agents.js';
import { sleep, spread, type Spread } from './util.js';

export interface MobileOptions {
  messages: number;
  warmup: number;
  thinkMs: number;
  progress?: (line: string) => void;
}

interface Push {
  token: string;
  at: string;
  payload: { fcmV1Message?: { message?: { data?: { messageId?: string } } } };
}

async function pushAt(stack: OfflineStack, deviceToken: string, messageId: string, deadline: number): Promise<number> {
  for (;;) {
    const r = await call<{ pushes: Push[] }>(stack.httpUrl, 'GET', '/_local/push');
    const p = r.json.pushes.find((x) => x.token === deviceToken && x.payload.fcmV1Message?.message?.data?.messageId === messageId);
    if (p) return Date.parse(p.at);
    if (Date.now() > deadline) throw new Error(`no push for message ${messageId} within 30 s`);
    await sleep(5);
  }
}

export async function mobileLatency(stack: OfflineStack, o: MobileOptions): Promise<{ messages: number; push: Spread }> {
  const workspaceId = benchId('bench-mobile');
  const [agent] = await newAgents(stack, workspaceId, 1);
  // Offline on desktop: only the phone hears about it.
  await putSettings(stack, agent!.token, { desktop: false });
  const deviceToken = benchId('fcm-token');
  await registerDevice(stack, agent!.token, 'GCM', deviceToken);
  const conv = await newConversation(stack, workspaceId);
  const samples: number[] = [];
  for (let i = 0; i < o.warmup + o.messages; i++) {
    await sleep(Math.random() * o.thinkMs);
    const t0 = Date.now();
    const { messageId } = await visitorPost(stack, conv, `mobile #${i}`);
    const at = await pushAt(stack, deviceToken, messageId, t0 + 30_000);
    if (i < o.warmup) continue;
    samples.push(at - t0);
    if (samples.length % 100 === 0) o.progress?.(`mobile: ${samples.length}/${o.messages} messages`);
  }
  return { messages: o.messages, push: spread(samples) };
}
