/**
 * The local SES: aws-ses-v2-local, in this process. It answers the SES v1 `SendEmail` query API
 * (what channels/email.ts sends), keeps the mail in memory and shows it on its web page. The
 * offline stack and the tests point SES_ENDPOINT at `url`.
 *
 * Its store lives in the package's module scope, so one process holds one mailbox: start one
 * local SES per process (per jest test file, whose module registry is its own).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import sesLocalModule from 'aws-ses-v2-local';

/** One sent email, in the shape of SPEC §9 `GET /_local/emails`. */
export interface LocalEmail {
  to: string[];
  subject: string;
  text: string;
  html: string;
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
  destination?: { to?: string[] };
  subject?: string;
  body?: { text?: string; html?: string };
  at?: number;
}

type StartServer = (config?: { host?: string; port?: number }) => Promise<Server>;

// A CommonJS package with an `exports.default`: Node's ESM loader hands over module.exports.
const mod = sesLocalModule as unknown as { default?: StartServer } | StartServer;
const startServer: StartServer = typeof mod === 'function' ? mod : (mod.default as StartServer);

export async function startLocalSes(opts: { port: number; host?: string }): Promise<LocalSes> {
  const host = opts.host ?? '127.0.0.1';
  const server = await startServer({ host, port: opts.port });
  const port = (server.address() as AddressInfo).port;
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
        at: new Date((e.at ?? 0) * 1000).toISOString(),
      }));
    },
    async clear() {
      const r = await fetch(`${url}/clear-store`, { method: 'POST' });
      if (!r.ok) throw new Error(`local SES clear answered ${r.status}`);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((e) => (e ? reject(e) : resolve()));
        // The SDK keeps sockets alive; without this close() waits for them to time out.
        server.closeAllConnections();
      }),
  };
}
