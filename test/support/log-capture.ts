/**
 * Everything written to stdout and stderr while a capture is on: the handlers' Powertools logger
 * writes its JSON lines there, exactly as it does in Lambda (where they become CloudWatch Logs).
 * The lines still reach the terminal.
 */
export interface LogCapture {
  /** Complete lines captured so far. */
  lines(): string[];
  stop(): void;
}

export function captureOutput(): LogCapture {
  const captured: string[] = [];
  let partial = '';
  const streams = [process.stdout, process.stderr];
  const originals = streams.map((s) => s.write);
  streams.forEach((stream, i) => {
    const original = originals[i]!;
    stream.write = function (chunk: unknown, ...rest: unknown[]): boolean {
      const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) || chunk instanceof Uint8Array ? Buffer.from(chunk).toString('utf8') : String(chunk);
      const parts = (partial + text).split('\n');
      partial = parts.pop() ?? '';
      captured.push(...parts.filter((l) => l.trim() !== ''));
      return (original as (...a: unknown[]) => boolean).call(stream, chunk, ...rest);
    } as typeof stream.write;
  });
  return {
    lines: () => captured.slice(),
    stop: () => {
      streams.forEach((stream, i) => {
        stream.write = originals[i]!;
      });
      if (partial.trim() !== '') captured.push(partial);
      partial = '';
    },
  };
}
