/**
 * DynamoDB Local from the amplify-dynamodb-simulator package's jar (Java 17 runs it). Used by the
 * tests' global setup and by the offline stack.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { localClientConfig } from './client-config.js';
import { onFreePorts, PortInUseError } from './free-port.js';

export interface RunningDynamo {
  endpoint: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

function jarDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('amplify-dynamodb-simulator/package.json')), 'emulator');
}

/** `portEnv` names the variable that moves the port, for the message when it is taken. */
export async function startDynamoDbLocal(opts: { port: number; persistDir?: string; portEnv?: string }): Promise<RunningDynamo> {
  const dir = jarDir();
  const storage = opts.persistDir ? (mkdirSync(opts.persistDir, { recursive: true }), ['-dbPath', opts.persistDir]) : ['-inMemory'];
  const child = spawn(
    'java',
    ['-Xms64m', '-Xmx512m', `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`, '-jar', join(dir, 'DynamoDBLocal.jar'), ...storage, '-sharedDb', '-port', String(opts.port)],
    { stdio: ['ignore', 'pipe', 'pipe'], detached: false },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout?.resume();
  const endpoint = `http://127.0.0.1:${opts.port}`;
  const client = new DynamoDBClient(localClientConfig(endpoint));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`DynamoDB Local exited (${child.exitCode}): ${stderr.slice(-500)}`);
    // Jetty logs the bind failure and the JVM stays up: say so now, not after the deadline.
    if (/BindException|Address already in use/.test(stderr)) {
      child.kill('SIGKILL');
      throw new PortInUseError(opts.port, opts.portEnv ?? 'LOCAL_DYNAMODB_PORT');
    }
    try {
      await client.send(new ListTablesCommand({}));
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`DynamoDB Local did not start on port ${opts.port}: ${stderr.slice(-500)}`);
      }
      await new Promise((r) => setTimeout(r, 150));
    }
  }
  client.destroy();
  return {
    endpoint,
    port: opts.port,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      }),
  };
}

/** In memory, on a port chosen here: the tests' shared instance and the benchmarks'. */
export const startDynamoDbLocalOnFreePort = (): Promise<RunningDynamo> => onFreePorts(1, ([port]) => startDynamoDbLocal({ port }));
