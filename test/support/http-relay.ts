/** Small HTTP pieces shared by the tests' fault servers. */
import { request, type IncomingMessage, type ServerResponse } from 'node:http';

/** The whole body of a request to one of the tests' local servers. */
export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Pass a request (whose body was already read) on to the real server behind a fault proxy. */
export function forward(req: IncomingMessage, res: ServerResponse, target: URL, body: Buffer): void {
  const up = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } }, (r) => {
    res.writeHead(r.statusCode ?? 502, r.headers);
    r.pipe(res);
  });
  up.on('error', () => {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  });
  up.end(body);
}
