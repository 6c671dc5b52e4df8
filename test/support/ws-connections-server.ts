/**
 * A tiny local `@connections` management API for tests: `POST /@connections/{id}` records the
 * frame; ids marked gone answer 410 the way API Gateway does (GoneException); ids marked failing
 * answer 500 a given number of times. The real ApiGatewayManagementApiClient talks to it unchanged.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PostedFrame {
  connectionId: string;
  frame: unknown;
  at: number;
}

export interface ConnectionsServer {
  url: string;
  frames(connectionId?: string): PostedFrame[];
  /** Answer 410 GoneException for this id from now on. */
  gone(connectionId: string): void;
  /** Answer 500 for this id the next `times` posts (the SDK retries 5xx itself: count its attempts). */
  fail(connectionId: string, times: number): void;
  /** How many posts (including failed ones) reached this id. */
  attempts(connectionId: string): number;
  close(): Promise<void>;
}

export async function startConnectionsServer(): Promise<ConnectionsServer> {
  const posted: PostedFrame[] = [];
  const goneIds = new Set<string>();
  const failing = new Map<string, number>();
  const tries = new Map<string, number>();

  // eslint-disable-next-line @typescript-eslint/no-misused-promises -- node ignores the promise; every path answers inside
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const m = /^\/@connections\/([^/?]+)$/.exec(req.url ?? '');
    if (!m || req.method !== 'POST') {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'Not Found' }));
      return;
    }
    const id = decodeURIComponent(m[1]!);
    tries.set(id, (tries.get(id) ?? 0) + 1);
    if (goneIds.has(id)) {
      res.writeHead(410, { 'content-type': 'application/json', 'x-amzn-errortype': 'GoneException' }).end(JSON.stringify({ message: null }));
      return;
    }
    const left = failing.get(id) ?? 0;
    if (left > 0) {
      failing.set(id, left - 1);
      res.writeHead(500, { 'content-type': 'application/json', 'x-amzn-errortype': 'InternalServerErrorException' }).end(JSON.stringify({ message: 'Internal server error' }));
      return;
    }
    posted.push({ connectionId: id, frame: JSON.parse(Buffer.concat(chunks).toString('utf8')), at: Date.now() });
    res.writeHead(200).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    frames: (id) => posted.filter((p) => id === undefined || p.connectionId === id),
    gone: (id) => void goneIds.add(id),
    fail: (id, times) => void failing.set(id, times),
    attempts: (id) => tries.get(id) ?? 0,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
