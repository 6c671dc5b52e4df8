/**
 * People for the hardening scenarios, over the offline stack's public surface: agents with
 * settings, sockets (and the connection id each socket got) and phones; visitors with
 * conversations; and counting at the receiving ends — frames at sockets, pushes at the local SNS,
 * mail at the local SES — against what SPEC says should arrive.
 */
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { OfflineStack } from '../../local/stack.js';
import { connectionsOf } from '../../lambdas/store/connections.js';
import { DEFAULT_SETTINGS, type NotificationSettings as Settings } from '../../lambdas/domain/settings.js';
import { agentToken, AgentSocket, apnsToken, call, eventually, uid } from './offline.js';
import { localDocClient } from '../../local/client-config.js';
import type { Platform } from '../../lambdas/domain/push.js';

export interface Agent {
  workspaceId: string;
  agentId: string;
  email: string;
  token: string;
  sockets: Array<{ socket: AgentSocket; connectionId: string }>;
  device?: { token: string; deviceId: string; endpointArn: string };
}

export interface Visitor {
  conversationId: string;
  visitorToken: string;
}

export class Scenario {
  private readonly doc: DynamoDBDocumentClient;
  private readonly opened: AgentSocket[] = [];

  constructor(readonly stack: OfflineStack) {
    this.doc = localDocClient(stack.dynamoEndpoint);
  }

  /** `n` agents of one new workspace with these settings, each with `sockets` sockets and maybe a phone. */
  async team(n: number, settings: Partial<Settings>, opts: { sockets?: number; platform?: Platform; workspaceId?: string; name?: string; email?: (i: number) => string } = {}): Promise<Agent[]> {
    const workspaceId = opts.workspaceId ?? uid('ws');
    const agents: Agent[] = [];
    for (let i = 0; i < n; i++) {
      const agentId = uid(opts.name ?? 'agent');
      const email = opts.email?.(i) ?? `${agentId}@agents.example`;
      const token = await agentToken(this.stack, { workspaceId, agentId, email, name: `Agent ${i}` });
      const r = await call(this.stack.httpUrl, 'PUT', '/v1/me/notification-settings', { token, body: { ...DEFAULT_SETTINGS, ...settings } });
      if (r.status !== 200) throw new Error(`settings answered ${r.status}: ${r.text}`);
      const agent: Agent = { workspaceId, agentId, email, token, sockets: [] };
      for (let s = 0; s < (opts.sockets ?? 0); s++) await this.connect(agent);
      if (opts.platform) await this.registerDevice(agent, opts.platform, apnsToken());
      agents.push(agent);
    }
    return agents;
  }

  /** Open one more socket for the agent and learn which connection id the gateway gave it. */
  async connect(a: Agent): Promise<{ socket: AgentSocket; connectionId: string }> {
    const known = new Set(a.sockets.map((s) => s.connectionId));
    const socket = await AgentSocket.open(this.stack.wsUrl, a.token);
    this.opened.push(socket);
    const conns = await connectionsOf(this.doc, this.stack.tableName, a.workspaceId, a.agentId);
    const fresh = conns.filter((c) => !known.has(c.connectionId));
    if (fresh.length !== 1) throw new Error(`expected one new connection for ${a.agentId}, found ${fresh.length}`);
    const entry = { socket, connectionId: fresh[0]!.connectionId };
    a.sockets.push(entry);
    return entry;
  }

  async registerDevice(a: Agent, platform: Platform, token: string) {
    const r = await call(this.stack.httpUrl, 'POST', '/v1/me/devices', { token: a.token, body: { platform, token } });
    if (r.status !== 201 && r.status !== 200) throw new Error(`device registration answered ${r.status}: ${r.text}`);
    a.device = { token, deviceId: r.json.deviceId, endpointArn: r.json.endpointArn };
    return r;
  }

  async visitor(workspaceId: string, name = 'Vic'): Promise<Visitor> {
    const r = await call(this.stack.httpUrl, 'POST', `/v1/workspaces/${workspaceId}/conversations`, { body: { visitor: { name } } });
    if (r.status !== 201) throw new Error(`create conversation answered ${r.status}: ${r.text}`);
    return r.json;
  }

  /** A visitor message; its id. */
  async says(v: Visitor, body: string): Promise<string> {
    const r = await call(this.stack.httpUrl, 'POST', `/v1/conversations/${v.conversationId}/messages`, { token: v.visitorToken, body: { body } });
    if (r.status !== 201) throw new Error(`post message answered ${r.status}: ${r.text}`);
    return r.json.messageId;
  }

  /**
   * Let every frame already posted to these agents' sockets arrive: a pong comes back on the same
   * connection after anything the gateway pushed to it before.
   */
  async flush(agents: Agent[]) {
    await Promise.all(
      agents.flatMap((a) =>
        a.sockets
          .filter((s) => !s.socket.closed)
          .map(async ({ socket }) => {
            const want = socket.frames.filter((f) => f.type === 'pong').length + 1;
            socket.send({ action: 'ping' });
            await eventually(() => socket.frames.filter((f) => f.type === 'pong').length >= want, 'a pong');
          }),
      ),
    );
  }

  /** chat.message frames for this message at one socket. */
  static frames(socket: AgentSocket, messageId: string): number {
    return socket.frames.filter((f) => f.type === 'chat.message' && f.messageId === messageId).length;
  }

  /** Pushes recorded by the local SNS, by device token. */
  async pushes(): Promise<Array<{ token: string; payload: unknown }>> {
    const r = await call(this.stack.httpUrl, 'GET', '/_local/push');
    return r.json.pushes;
  }

  static pushCount(pushes: Array<{ token: string; payload: unknown }>, deviceToken: string, messageId: string): number {
    return pushes.filter((p) => p.token === deviceToken && JSON.stringify(p.payload).includes(messageId)).length;
  }

  async emails(): Promise<Array<{ to: string[]; subject: string; text: string; html: string }>> {
    const r = await call(this.stack.httpUrl, 'GET', '/_local/emails');
    return r.json.emails;
  }

  async close() {
    await Promise.all(this.opened.map((s) => s.close()));
    this.doc.destroy();
  }
}

export interface Tally {
  expected: number;
  delivered: number;
  lost: number;
  duplicated: number;
  unexpected: number;
}

/**
 * Compare what arrived with what should have: `due` is how many times each receiving end got a
 * notification SPEC says it must get exactly once; `notDue` the ends SPEC says must get nothing.
 * Prints the counts, as issue 8 asks.
 */
export function tally(scenario: string, due: number[], notDue: number[] = []): Tally {
  const t: Tally = {
    expected: due.length,
    delivered: due.reduce((a, b) => a + b, 0),
    lost: due.filter((n) => n === 0).length,
    duplicated: due.reduce((a, n) => a + Math.max(0, n - 1), 0),
    unexpected: notDue.reduce((a, b) => a + b, 0),
  };
  console.log(`${scenario}: expected ${t.expected}, delivered ${t.delivered}; lost ${t.lost}, duplicated ${t.duplicated}${notDue.length ? `, unexpected ${t.unexpected}` : ''}`);
  return t;
}
