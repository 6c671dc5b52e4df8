/**
 * A port already in use (SPEC §9, issue 5): `npm start` says so in one line naming the variable
 * that moves it, and exits; DynamoDB Local's java process, which logs a bind failure and stays up,
 * is reported the same way at once instead of after its start deadline.
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { freePorts, PortInUseError } from '../../local/free-port.js';
import { startDynamoDbLocal } from '../../local/dynamodb-local.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Holds `port` the way another program would: it accepts and drops every connection. */
function occupy(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const s = createServer((socket) => socket.destroy());
    s.once('error', reject);
    s.listen(port, '127.0.0.1', () => resolve(s));
  });
}

const close = (s: Server) => new Promise<void>((resolve) => s.close(() => resolve()));

function npmStart(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'local/start.ts'], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

test('npm start with its HTTP port taken: one line naming LOCAL_HTTP_PORT, exit 1, nothing left running', async () => {
  const [http, ws, sns, ses, dynamo] = await freePorts(5);
  const holder = await occupy(http);
  try {
    const r = await npmStart({
      LOCAL_HTTP_PORT: String(http),
      LOCAL_WS_PORT: String(ws),
      LOCAL_SNS_PORT: String(sns),
      LOCAL_SES_PORT: String(ses),
      LOCAL_DYNAMODB_PORT: String(dynamo),
      NODE_NO_WARNINGS: '1', // the AWS SDK's Node 20 notice is not ours to assert on
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`port ${http} is already in use: set LOCAL_HTTP_PORT to another port\n`);
    // The check comes before anything starts: the other ports are still free.
    await Promise.all([ws, sns, ses, dynamo].map(async (p) => close(await occupy(p))));
  } finally {
    await close(holder);
  }
});

// Without the bind check this waits out the 30 s start deadline and throws a plain "did not start".
test("DynamoDB Local's port taken: PortInUseError naming the variable", async () => {
  const [port] = await freePorts(1);
  const holder = await occupy(port);
  try {
    const err = await startDynamoDbLocal({ port, portEnv: 'LOCAL_DYNAMODB_PORT' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PortInUseError);
    expect((err as Error).message).toBe(`port ${port} is already in use: set LOCAL_DYNAMODB_PORT to another port`);
  } finally {
    await close(holder);
  }
});
