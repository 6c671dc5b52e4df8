/**
 * `npm start`: the offline stack in the foreground. Prints each URL when ready; Ctrl-C stops every
 * part (DynamoDB Local's java process included). `--persist` keeps the table under .local-data/.
 * Ports and the reminder interval come from LOCAL_* environment variables (see README).
 */
import { startOfflineStack } from './stack.js';
import { PortInUseError } from './free-port.js';

const args = process.argv.slice(2);
const unknown = args.filter((a) => a !== '--persist');
if (unknown.length) {
  console.error(`unknown argument(s): ${unknown.join(' ')}; usage: npm start [-- --persist]`);
  process.exit(2);
}

const log = (line: string) => console.log(`[offline] ${line}`);

// Start-up takes up to about 40 s (DynamoDB Local is a Java program, the console is built
// with esbuild, every handler is loaded): say so, and show it is moving, so nobody gives up on it.
const started = Date.now();
const elapsed = () => `${Math.round((Date.now() - started) / 1000)} s`;
log('starting the offline stack; this can take up to about 40 s (DynamoDB Local, the handlers, the console build)');
const ticker = setInterval(() => log(`still starting (${elapsed()})…`), 10_000);

let stack: Awaited<ReturnType<typeof startOfflineStack>>;
try {
  stack = await startOfflineStack({ persist: args.includes('--persist'), log, progress: (step) => log(`${elapsed()}: ${step}`) });
  clearInterval(ticker);
  log(`started in ${elapsed()}. Open the console, then the demo: see README "A first walk-through".`);
} catch (e) {
  clearInterval(ticker);
  if (e instanceof PortInUseError) console.error(e.message);
  else console.error(`the offline stack did not start: ${(e as Error)?.message ?? String(e)}`);
  process.exit(1);
}

let stopping = false;
const shutdown = (signal: NodeJS.Signals) => {
  if (stopping) {
    // A second Ctrl-C: leave now; the exit hook still kills DynamoDB Local.
    process.exit(130);
  }
  stopping = true;
  log(`${signal}: stopping (Ctrl-C again to force)`);
  stack.stop().then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(`stopping failed: ${(e as Error)?.message ?? String(e)}`);
      process.exit(1);
    },
  );
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
process.on('SIGHUP', shutdown);
