import fs from 'node:fs';
import type { Writable } from 'node:stream';

/**
 * Writes text to a stream's file descriptor directly while the stream has nothing queued, skipping
 * the stream's own JavaScript: about 10 µs of a Silero request's line (docs/benchmarks.md). Whatever
 * the descriptor does not take (a full pipe refuses with EAGAIN, or takes part of a long text) goes
 * through the stream, which queues it, so nothing is lost, and everything written either way stays
 * in order: nothing is written directly while the stream holds something.
 */
export function writeText(out: Writable & { readonly fd?: number }, text: string): void {
  if (out.writableLength === 0 && out.fd !== undefined) {
    let written = 0;
    try {
      written = fs.writeSync(out.fd, text);
    } catch {
      // Nothing was written: the stream takes it all, and reports what the descriptor refused as ever.
    }
    if (written > 0) {
      const bytes = Buffer.byteLength(text);
      if (written === bytes) return;
      out.write(Buffer.from(text).subarray(written));
      return;
    }
  }
  out.write(text);
}
