/**
 * The local SES: aws-ses-v2-local, in this process. It answers the SES v1 query API — `SendRawEmail`
 * (what channels/email.ts sends; it parses the MIME message with mailparser) and `SendEmail` —,
 * keeps the mail in memory and shows it on its web page. The offline stack and the tests point
 * SES_ENDPOINT at `url`.
 *
 * aws-ses-v2-local keeps no header fields, and SPEC §9 wants them (`List-Unsubscribe`, §11.7): a
 * small front in this module reads each SendRawEmail's header block on its way through (real SES
 * delivers the raw message's headers as they are, apart from those it adds or rewrites such as
 * Message-ID; https://docs.aws.amazon.com/ses/latest/dg/send-email-raw.html) and joins them to the
 * stored email by the MessageId the local SES answers.
 *
 * Its store lives in the package's module scope, so one process holds one mailbox: start one
 * local SES per process (per jest test file, whose module registry is its own).
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import sesLocalModule from 'aws-ses-v2-local';

/** One sent email, in the shape of SPEC §9 `GET /_local/emails`. */
export interface LocalEmail {
  to: string[];
  subject: string;
  text: string;
  html: string;
  /** The raw message's header fields, name (as written) → value, unfolded; empty for a SendEmail. */
  headers: Record<string, string>;
  /** ISO time, to the second (the local SES stores epoch seconds). */
  at: string;
}

export interface LocalSes {
  /** The SES endpoint (SES_ENDPOINT). */
  url: string;
  /** The web page that shows the inbox. */
  inboxUrl: string;
  /** Every email sent so far, oldest first. */
  emails(): Promise<LocalEmail[]>;
  /** Forget the stored mail. */
  clear(): Promise<void>;
  close(): Promise<void>;
}

interface StoredEmail {
  messageId?: string;
  destination?: { to?: string[] };
  subject?: string;
  body?: { text?: string; html?: string };
  at?: number;
}

type StartServer = (config?: { host?: string; port?: number }) => Promise<Server>;

// A CommonJS package with an `exports.default`: Node's ESM loader hands over module.exports.
const mod = sesLocalModule as unknown as { default?: StartServer } | StartServer;
const startServer: StartServer = typeof mod === 'function' ? mod : (mod.default as StartServer);

/** The header block of a raw message (up to the first blank line), unfolded (RFC 5322 §2.2.3). */
export function headerFields(raw: string): Record<string, string> {
  const end = raw.search(/\r?\n\r?\n/);
  const block = (end < 0 ? raw : raw.slice(0, end)).replace(/\r?\n[ \t]+/g, ' ');
  const out: Record<string, string> = {};
  for (const line of block.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return out;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** A front on `port` that passes every request to the local SES at `inner`, noting each SendRawEmail's headers. */
function startFront(host: string, port: number, inner: number, headersById: Map<string, Record<string, string>>): Promise<Server> {
  // eslint-disable-next-line @typescript-eslint/no-misused-promises -- its body catches every error and answers 502
  const front = createServer(async (req, res) => {
    try {
      const body = await readBody(req);
      const form = req.method === 'POST' ? new URLSearchParams(body.toString('utf8')) : undefined;
      const raw = form?.get('Action') === 'SendRawEmail' ? form.get('RawMessage.Data') : null;
      const headers = raw ? headerFields(Buffer.from(raw, 'base64').toString('utf8')) : undefined;
      const up = httpRequest({ host, port: inner, method: req.method, path: req.url, headers: { ...req.headers, host: `${host}:${inner}` } }, (r) => void relayAnswer(r));
      const relayAnswer = async (r: IncomingMessage) => {
        const answer = await readBody(r).catch(() => undefined);
        if (!answer) {
          res.writeHead(502);
          res.end();
          return;
        }
        const id = /<MessageId>([^<]+)<\/MessageId>/.exec(answer.toString('utf8'))?.[1];
        if (headers && id) headersById.set(id, headers);
        res.writeHead(r.statusCode ?? 502, r.headers);
        res.end(answer);
      };
      up.on('error', () => {
        res.writeHead(502);
        res.end();
      });
      up.end(body);
    } catch {
      res.writeHead(500);
      res.end();
    }
  });
  return new Promise((resolve, reject) => {
    front.once('error', reject);
    front.listen(port, host, () => resolve(front));
  });
}

export async function startLocalSes(opts: { port: number; host?: string }): Promise<LocalSes> {
  const host = opts.host ?? '127.0.0.1';
  const server = await startServer({ host, port: 0 });
  const headersById = new Map<string, Record<string, string>>();
  const front = await startFront(host, opts.port, (server.address() as AddressInfo).port, headersById);
  const port = (front.address() as AddressInfo).port;
  const url = `http://${host}:${port}`;
  return {
    url,
    inboxUrl: `${url}/`,
    async emails() {
      const r = await fetch(`${url}/store`);
      if (!r.ok) throw new Error(`local SES store answered ${r.status}`);
      const { emails } = (await r.json()) as { emails: StoredEmail[] };
      return emails.map((e) => ({
        to: e.destination?.to ?? [],
        subject: e.subject ?? '',
        text: e.body?.text ?? '',
        html: e.body?.html ?? '',
        headers: (e.messageId && headersById.get(e.messageId)) || {},
        at: new Date((e.at ?? 0) * 1000).toISOString(),
      }));
    },
    async clear() {
      const r = await fetch(`${url}/clear-store`, { method: 'POST' });
      if (!r.ok) throw new Error(`local SES clear answered ${r.status}`);
      headersById.clear();
    },
    close: async () => {
      for (const s of [front, server]) {
        await new Promise<void>((resolve, reject) => {
          s.close((e) => (e ? reject(e) : resolve()));
          // The SDK keeps sockets alive; without this close() waits for them to time out.
          s.closeAllConnections();
        });
      }
    },
  };
}
