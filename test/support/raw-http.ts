/**
 * An HTTP request whose path goes out byte for byte. fetch() normalizes paths (`%2E%2E` and `..`
 * segments are resolved before sending), which would hide exactly the ids a hostile client sends.
 */
import { request } from 'node:http';
import { jsonOf, type Reply } from './offline.js';

export type RawReply = Omit<Reply, 'headers'>;

export function rawRequest(baseUrl: string, method: string, path: string, opts: { token?: string; body?: string | Buffer; headers?: Record<string, string> } = {}): Promise<RawReply> {
  const base = new URL(baseUrl);
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) {
    headers['content-type'] ??= 'application/json';
    headers['content-length'] = String(Buffer.byteLength(opts.body));
  }
  return new Promise((resolve, reject) => {
    const req = request({ host: base.hostname, port: base.port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, json: jsonOf(text), text });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}
