/**
 * Agents, conversations and sockets for the benchmarks, through the offline stack's real HTTP and
 * WebSocket APIs (the same helpers the black-box tests use). Each socket records when every
 * `chat.message` frame arrived, taken in the socket's own message event, not by polling.
 */
import { randomBytes } from 'node:crypto';
import type { OfflineStack } from '../local/stack.js';
import { agentToken, AgentSocket, call } from '../test/support/offline.js';
import { DEFAULT_SETTINGS, type NotificationSettings as Settings } from '../lambdas/domain/settings.js';
import { mapLimit, range } from './util.js';

export interface BenchAgent {
  agentId: string;
  token: string;
}

export interface Conversation {
  conversationId: string;
  visitorToken: string;
}

export function benchId(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export async function newAgents(stack: OfflineStack, workspaceId: string, n: number, settings?: Partial<Settings>): Promise<BenchAgent[]> {
  return mapLimit(range(n), 8, async (i) => {
    const agentId = `agent-${i}`;
    const token = await agentToken(stack, { workspaceId, agentId, email: `${agentId}@${workspaceId}.example.com`, name: `Agent ${i}` });
    if (settings) await putSettings(stack, token, settings);
    return { agentId, token };
  });
}

export async function putSettings(stack: OfflineStack, token: string, settings: Partial<Settings>): Promise<void> {
  const r = await call(stack.httpUrl, 'PUT', '/v1/me/notification-settings', { token, body: { ...DEFAULT_SETTINGS, ...settings } });
  if (r.status !== 200) throw new Error(`PUT notification-settings answered ${r.status}: ${r.text}`);
}

export async function newConversation(stack: OfflineStack, workspaceId: string, firstMessage?: string): Promise<Conversation> {
  const r = await call<Conversation>(stack.httpUrl, 'POST', `/v1/workspaces/${workspaceId}/conversations`, {
    body: { visitor: { name: 'Bench visitor' }, ...(firstMessage ? { message: { body: firstMessage } } : {}) },
  });
  if (r.status !== 201) throw new Error(`create conversation answered ${r.status}: ${r.text}`);
  return r.json;
}

export async function visitorPost(stack: OfflineStack, conv: Conversation, body: string): Promise<{ messageId: string; seq: number }> {
  const r = await call(stack.httpUrl, 'POST', `/v1/conversations/${conv.conversationId}/messages`, { token: conv.visitorToken, body: { body } });
  if (r.status !== 201) throw new Error(`visitor POST answered ${r.status}: ${r.text}`);
  return r.json;
}

export async function registerDevice(stack: OfflineStack, token: string, platform: 'GCM' | 'APNS', deviceToken: string): Promise<void> {
  const r = await call(stack.httpUrl, 'POST', '/v1/me/devices', { token, body: { platform, token: deviceToken } });
  if (r.status !== 201) throw new Error(`device registration answered ${r.status}: ${r.text}`);
}

/** Sockets of many agents, and a way to wait until every one of them got the frame for a body. */
export class FrameWatch {
  private readonly pending = new Map<string, { t0: number; seen: Set<number>; times: number[]; done: () => void }>();

  private constructor(readonly sockets: AgentSocket[]) {
    sockets.forEach((s, i) =>
      s.ws.on('message', (data) => {
        const at = performance.now();
        let f: { type?: string; preview?: string };
        try {
          f = JSON.parse(data.toString());
        } catch {
          return;
        }
        if (f.type !== 'chat.message' || typeof f.preview !== 'string') return;
        const p = this.pending.get(f.preview);
        if (!p || p.seen.has(i)) return;
        p.seen.add(i);
        p.times.push(at - p.t0);
        if (p.seen.size === this.sockets.length) p.done();
      }),
    );
  }

  static async open(stack: OfflineStack, agents: readonly BenchAgent[]): Promise<FrameWatch> {
    const sockets = await mapLimit(agents, 8, (a) => AgentSocket.open(stack.wsUrl, a.token));
    return new FrameWatch(sockets);
  }

  /**
   * Start waiting for `body` (a unique text: the frame's preview is the body itself when short)
   * from `t0` on; resolves with each socket's latency in ms once all of them have it.
   */
  expect(body: string, t0: number): Promise<number[]> {
    return new Promise((resolve) => {
      const p = {
        t0,
        seen: new Set<number>(),
        times: [] as number[],
        done: () => {
          this.pending.delete(body);
          resolve(p.times);
        },
      };
      this.pending.set(body, p);
    });
  }

  forget(body: string): void {
    this.pending.delete(body);
  }

  async close(): Promise<void> {
    await Promise.all(this.sockets.map((s) => s.close()));
  }
}
