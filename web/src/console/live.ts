/**
 * The console's WebSocket. API Gateway closes a connection after 10 idle minutes and after 2 hours
 * in any case, and networks drop: the socket pings well inside the idle limit, treats a ping left
 * unanswered as a dead line, and reconnects with capped, jittered exponential backoff. The server
 * also closes it when the agent's token expires (SPEC §10.4): the reconnect asks for the URL again,
 * which carries a fresh token.
 */
export type LiveStatus =
  | { state: 'connecting' }
  | { state: 'online' }
  | { state: 'offline'; retryInMs: number; reason?: 'too_many_connections' };

export interface LiveOptions {
  /** The URL to dial, token included (a fresh token may be fetched first); undefined when there is no valid token any more. */
  url: () => string | undefined | Promise<string | undefined>;
  onFrame: (frame: Record<string, unknown>) => void;
  onStatus: (s: LiveStatus) => void;
  /** Called after a reconnect: frames may have been missed while offline. */
  onReconnected?: () => void;
  pingEveryMs?: number;
  pongTimeoutMs?: number;
}

/** 1 s, 2 s, 4 s … capped at 30 s, each scaled by a random 50–100 % so tabs do not stampede. */
export function backoffMs(attempt: number, random = Math.random()): number {
  const base = Math.min(30_000, 1000 * 2 ** Math.min(attempt, 15));
  return Math.round(base * (0.5 + random / 2));
}

export class LiveSocket {
  private ws: WebSocket | undefined;
  private attempt = 0;
  private everOpened = false;
  private stopped = true;
  /** Between asking for the URL (which may fetch a token) and dialling it. */
  private connecting = false;
  /**
   * Closed by the server as the agent's oldest of more than 20 connections (SPEC §10.3): not
   * redialled, or this tab would close the next oldest, and that one the next, without end.
   */
  private evicted = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private pongTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly o: LiveOptions) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    addEventListener('online', this.reconnectNow);
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    removeEventListener('online', this.reconnectNow);
    clearTimeout(this.retryTimer);
    this.clearHeartbeat();
    const ws = this.ws;
    this.ws = undefined;
    ws?.close(1000, 'signed out');
  }

  /** Sends a frame when connected; false when it could not be sent. */
  send(frame: Record<string, unknown>): boolean {
    if (this.ws?.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  private readonly reconnectNow = () => {
    if (this.stopped || this.ws || this.connecting || this.evicted) return;
    clearTimeout(this.retryTimer);
    this.connect();
  };

  private connect(): void {
    this.connecting = true;
    void Promise.resolve()
      .then(() => this.o.url())
      .catch(() => undefined)
      .then((url) => {
        this.connecting = false;
        if (!this.stopped) this.dial(url);
      });
  }

  private dial(url: string | undefined): void {
    if (!url) {
      this.o.onStatus({ state: 'offline', retryInMs: 0 });
      return;
    }
    this.o.onStatus({ state: 'connecting' });
    const ws = new WebSocket(url);
    this.ws = ws;
    ws.onopen = () => {
      if (this.ws !== ws) return;
      // After a drop, or after failed first attempts, frames may have gone by unseen.
      const reconnected = this.everOpened || this.attempt > 0;
      this.everOpened = true;
      this.attempt = 0;
      this.o.onStatus({ state: 'online' });
      this.startHeartbeat();
      if (reconnected) this.o.onReconnected?.();
    };
    ws.onmessage = (ev) => {
      if (this.ws !== ws) return;
      let frame: unknown;
      try {
        frame = JSON.parse(String(ev.data));
      } catch {
        return;
      }
      if (!frame || typeof frame !== 'object') return;
      clearTimeout(this.pongTimer);
      if ((frame as { type?: unknown; code?: unknown }).type === 'error' && (frame as { code?: unknown }).code === 'too_many_connections') this.evicted = true;
      this.o.onFrame(frame as Record<string, unknown>);
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = undefined;
      this.clearHeartbeat();
      if (this.stopped) return;
      if (this.evicted) {
        this.o.onStatus({ state: 'offline', retryInMs: 0, reason: 'too_many_connections' });
        return;
      }
      const wait = backoffMs(this.attempt++);
      this.o.onStatus({ state: 'offline', retryInMs: wait });
      this.retryTimer = setTimeout(() => this.connect(), wait);
    };
  }

  private startHeartbeat(): void {
    this.clearHeartbeat();
    this.pingTimer = setInterval(() => {
      if (!this.send({ action: 'ping' })) return;
      // Any frame counts as an answer (onmessage clears this); silence means the line is dead.
      clearTimeout(this.pongTimer);
      this.pongTimer = setTimeout(() => this.ws?.close(4000, 'no pong'), this.o.pongTimeoutMs ?? 20_000);
    }, this.o.pingEveryMs ?? 4 * 60_000);
  }

  private clearHeartbeat(): void {
    clearInterval(this.pingTimer);
    clearTimeout(this.pongTimer);
  }
}
