/**
 * API Gateway's per-frame limit, which the `ws` library cannot enforce: its `maxPayload` counts a
 * whole message (all fragments), and API Gateway allows a 128 KB message in frames of at most
 * 32 KB. So the gateway reads the client's frame headers itself, beside `ws`, and reports the
 * first data frame whose payload is over the limit; the gateway then closes with 1009 as API
 * Gateway does ("If a larger message (or larger frame size) is received, the connection is closed
 * with code 1009", https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-execution-service-websocket-limits-table.html).
 *
 * Only the header bytes are parsed (RFC 6455 §5.2: 2 bytes, a 16- or 64-bit extended length, a
 * 4-byte mask); payload bytes are skipped. The server has no permessage-deflate, so the length on
 * the wire is the payload's length.
 */
export function frameSizeWatch(maxFrameBytes: number, onOversize: (bytes: number) => void): (chunk: Buffer) => void {
  /** Header bytes of the next frame held from earlier chunks (fewer than a whole header). */
  let pending: Buffer = Buffer.alloc(0);
  /** Payload bytes of the current frame still to pass by. */
  let skip = 0;
  let tripped = false;
  return (chunk) => {
    let at = 0;
    while (!tripped && at < chunk.length) {
      if (skip > 0) {
        const n = Math.min(skip, chunk.length - at);
        skip -= n;
        at += n;
        continue;
      }
      const head = Buffer.concat([pending, chunk.subarray(at, at + 14)]);
      const parsed = parseHeader(head);
      if (!parsed) {
        // The rest of this chunk is part of a header that the next chunk completes.
        pending = head;
        return;
      }
      at += parsed.headerBytes - pending.length;
      pending = Buffer.alloc(0);
      // Opcodes 0 (continuation), 1 (text) and 2 (binary) carry data; control frames are at most 125 bytes.
      if (parsed.opcode < 0x08 && parsed.payloadBytes > maxFrameBytes) {
        tripped = true;
        onOversize(parsed.payloadBytes);
        return;
      }
      skip = parsed.payloadBytes;
    }
  };
}

function parseHeader(b: Buffer): { opcode: number; headerBytes: number; payloadBytes: number } | undefined {
  if (b.length < 2) return undefined;
  const opcode = b[0]! & 0x0f;
  const masked = (b[1]! & 0x80) !== 0;
  const len7 = b[1]! & 0x7f;
  const extBytes = len7 === 126 ? 2 : len7 === 127 ? 8 : 0;
  const headerBytes = 2 + extBytes + (masked ? 4 : 0);
  if (b.length < headerBytes) return undefined;
  const payloadBytes = len7 === 126 ? b.readUInt16BE(2) : len7 === 127 ? Number(b.readBigUInt64BE(2)) : len7;
  return { opcode, headerBytes, payloadBytes };
}
