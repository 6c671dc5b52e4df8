/**
 * Desktop latency: visitor `POST` → `chat.message` frame at each recipient agent's socket, through
 * the whole offline pipeline (HTTP gateway, post-message, DynamoDB Local's stream, the poller,
 * the fan-out, @connections, the WebSocket gateway).
 *
 * Messages go one at a time. Before each one the visitor "thinks" for a random time up to the
 * poller's sleep, so messages land at random points of the poll cycle as real traffic does; a
 * post sent right after the previous frames would always land just after a poll and measure the
 * worst case of a slow poller rather than its distribution.
 */
import type { OfflineStack } from '../local/stack.js';
import { benchId, FrameWatch, newAgents, newConversation, visitorPost, type Conversation } from './agents.js';
import type { NotificationSettings } from '../lambdas/domain/settings.js';
import { sleep, spread, within, type Spread } from './util.js';

export interface DesktopOptions {
  agents: number;
  messages: number;
  /** Messages rotate over this many conversations of the workspace. */
  conversations: number;
  /** Not measured: the first calls of each handler, the SDK's connection pools, the JIT. */
  warmup: number;
  thinkMs: number;
  /** Every agent's settings (default: the defaults, where "unassigned" already makes each one a recipient). */
  settings?: Partial<NotificationSettings>;
  /** How long one message's frames may take before the run fails (default 30 s). */
  frameTimeoutMs?: number;
  progress?: (line: string) => void;
}

export interface DesktopFigures {
  agents: number;
  messages: number;
  /** Per frame: what one agent waits, visitor POST to frame. */
  frame: Spread;
  /** Per message: until the last recipient's frame arrived. */
  allRecipients: Spread;
  /** The visitor's own POST round trip. */
  post: Spread;
}

export async function desktopLatency(stack: OfflineStack, o: DesktopOptions): Promise<DesktopFigures> {
  const workspaceId = benchId('bench-desktop');
  // Default settings: every agent has "unassigned" on, so every agent is a recipient of these
  // unassigned conversations.
  const agents = await newAgents(stack, workspaceId, o.agents, o.settings);
  if (o.agents >= 200) o.progress?.(`desktop ${o.agents} agents: created; opening one socket each`);
  const watch = await FrameWatch.open(stack, agents);
  try {
    const convs: Conversation[] = [];
    for (let i = 0; i < o.conversations; i++) convs.push(await newConversation(stack, workspaceId));
    const frames: number[] = [];
    const last: number[] = [];
    const posts: number[] = [];
    const total = o.warmup + o.messages;
    for (let i = 0; i < total; i++) {
      await sleep(Math.random() * o.thinkMs);
      const body = `desktop ${workspaceId} #${i}`;
      const t0 = performance.now();
      const arrived = watch.expect(body, t0);
      await visitorPost(stack, convs[i % convs.length]!, body);
      const postMs = performance.now() - t0;
      const times = await within(arrived, o.frameTimeoutMs ?? 30_000, `the frames of message ${i} at ${o.agents} sockets`).catch((e: unknown) => {
        watch.forget(body);
        throw e;
      });
      if (i < o.warmup) continue;
      frames.push(...times);
      last.push(Math.max(...times));
      posts.push(postMs);
      const done = i + 1 - o.warmup;
      if (o.agents >= 200) o.progress?.(`desktop ${o.agents} agents: message ${done}/${o.messages}, last frame after ${Math.round(Math.max(...times))} ms`);
      else if (done % 100 === 0) o.progress?.(`desktop ${o.agents} agent(s): ${done}/${o.messages} messages`);
    }
    return { agents: o.agents, messages: o.messages, frame: spread(frames), allRecipients: spread(last), post: spread(posts) };
  } finally {
    await watch.close();
  }
}
