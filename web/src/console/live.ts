/**
 * The console's WebSocket. API Gateway closes a connection after 10 idle minutes and after 2 hours
 * in any case, and networks drop: the socket pings well inside the idle limit, treats a ping left
 * unanswered as a dead line, and reconnects with capped, jittered exponential backoff. The server
 * also closes it when the agent's token expires (SPEC §10.4): the reconnect asks for the URL again,
 * which carries a fresh token.
 */
export type LiveStatus = { state: 'connecting' } | { state: 'online' } | { state: 'offline'; retryInMs: number; reason?: 'too_many_connections' };

export interface LiveOptions {
  /** The URL to dial, token included (a fresh token may be fetched first); undefined when there is no valid token any more. */
  url: () => string | undefined | Promise<string | undefined>;
  onFrame: (frame: Record<string, unknown>) => void;
  onStatus: (s: LiveStatus) => void;
  /** Called after a reconnect: frames may have been missed while offline. */
  onReconnected?: () => void;
  /**
   * The connection closed before it ever opened, twice in a row: the token may have been refused
   * (a restarted stack, a revoked session). The owner checks it and gets a fresh one, or signs in
   * again; the socket keeps retrying with whatever URL it is given next.
   */
  onRefused?: () => void;
  pingEveryMs?: number;
  pongTimeoutMs?: number;
}

export const PING_EVERY_MS = 20_000;
export const PONG_TIMEOUT_MS = 10_000;

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
  /** Closes before an open, in a row. */
  private refusals = 0;
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

  /** A fresh token is in place: dial again now rather than at the end of the backoff. */
  reconnectSoon(): void {
    if (this.stopped || this.evicted) return;
    this.refusals = 0;
    if (this.ws || this.connecting) return;
    clearTimeout(this.retryTimer);
    this.connect();
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
    let opened = false;
    ws.onopen = () => {
      if (this.ws !== ws) return;
      opened = true;
      this.refusals = 0;
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
      if (!opened && ++this.refusals >= 2) this.o.onRefused?.();
      this.dropped();
    };
  }

  /** The line is gone (closed, or silent past the pong deadline): say so now and dial again later. */
  private dropped(): void {
    this.ws = undefined;
    this.clearHeartbeat();
    if (this.stopped) return;
    if (this.evicted) {
      this.o.onStatus({ state: 'offline', retryInMs: 0, reason: 'too_many_connections' });
      return;
    }
    const wait = backoffMs(this.attempt++);
    this.o.onStatus({ state: 'offline', retryInMs: wait });
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.connect(), wait);
  }

  /**
   * A ping every 20 s (SPEC §13: at least every 30 s), answered within 10 s or the line counts as
   * dead: a dead link shows "Offline" within 30 s. A dead TCP link may take minutes to report its
   * close, so the socket is dropped at once (its handlers detached) rather than waiting for onclose.
   */
  private startHeartbeat(): void {
    this.clearHeartbeat();
    this.pingTimer = setInterval(() => {
      if (!this.send({ action: 'ping' })) return;
      // Any frame counts as an answer (onmessage clears this); silence means the line is dead.
      clearTimeout(this.pongTimer);
      this.pongTimer = setTimeout(() => {
        const ws = this.ws;
        if (!ws) return;
        ws.onclose = null;
        ws.onmessage = null;
        try {
          ws.close(4000, 'no pong');
        } catch {
          /* already closing */
        }
        this.dropped();
      }, this.o.pongTimeoutMs ?? PONG_TIMEOUT_MS);
    }, this.o.pingEveryMs ?? PING_EVERY_MS);
  }

  private clearHeartbeat(): void {
    clearInterval(this.pingTimer);
    clearTimeout(this.pongTimer);
  }
}
