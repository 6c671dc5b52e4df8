import { createServer, type Server } from 'node:net';
import { readFileSync } from 'node:fs';

/** A port the offline stack wanted is taken; the message names the variable that moves it. */
export class PortInUseError extends Error {
  constructor(
    readonly port: number,
    readonly envVar: string,
  ) {
    super(`port ${port} is already in use: set ${envVar} to another port`);
    this.name = 'PortInUseError';
  }
}

function listenOn(port: number): Promise<Server | undefined> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.once('error', (e: NodeJS.ErrnoException) => (e.code === 'EADDRINUSE' || e.code === 'EACCES' ? resolve(undefined) : reject(e)));
    s.listen(port, '127.0.0.1', () => resolve(s));
  });
}

/** Throws PortInUseError unless `port` can be bound now. */
export async function checkPortFree(port: number, envVar: string): Promise<void> {
  const s = await listenOn(port);
  if (!s) throw new PortInUseError(port, envVar);
  await new Promise<void>((resolve) => s.close(() => resolve()));
}

/** The first port of the range the OS hands out to outgoing connections and to `listen(0)`. */
function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) ? low : 32768;
  } catch {
    return 32768; // Linux's default; other systems start higher still
  }
}

const LOWEST = 10_000;

/**
 * A port below the ephemeral range: one the OS picked with `listen(0)` comes from the range its
 * outgoing connections use too, and a busy test (thousands of sockets) can take it between our
 * choosing it and a slow starter (java) binding it. Falls back to the OS's pick.
 */
async function holdOne(taken: Set<number>, high: number): Promise<Server> {
  for (let attempt = 0; high - LOWEST > 1000 && attempt < 100; attempt++) {
    const port = LOWEST + Math.floor(Math.random() * (high - LOWEST));
    if (taken.has(port)) continue;
    const s = await listenOn(port);
    if (s) return s;
  }
  const s = await listenOn(0);
  if (!s) throw new Error('no free port');
  return s;
}

const portOf = (s: Server): number => {
  const addr = s.address();
  return typeof addr === 'object' && addr ? addr.port : 0;
};

/** `n` numbers, typed as a tuple of that length so callers can destructure without checks. */
export type Ports<N extends number, Acc extends number[] = []> = Acc['length'] extends N ? Acc : Ports<N, [...Acc, number]>;

/**
 * `n` distinct ports that were free a moment ago. All are held open until the last is chosen:
 * closing each before asking for the next could hand the same port out twice.
 */
export async function freePorts<N extends number>(n: N): Promise<Ports<N>> {
  const servers: Server[] = [];
  try {
    const taken = new Set<number>();
    const high = ephemeralLow();
    for (let i = 0; i < n; i++) {
      const s = await holdOne(taken, high);
      servers.push(s);
      taken.add(portOf(s));
    }
    return servers.map(portOf) as Ports<N>;
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

/**
 * `start` on `n` free ports. Another process can take one between our choosing it and `start`
 * binding it (a test file in another jest worker, java still starting up): then choose again.
 */
export async function onFreePorts<N extends number, T>(n: N, start: (ports: Ports<N>) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start(await freePorts(n));
    } catch (e) {
      if (!(e instanceof PortInUseError) || attempt >= 3) throw e;
    }
  }
}

/** A port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port;
}
