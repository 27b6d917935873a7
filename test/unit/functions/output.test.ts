import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { writeText } from '../../../functions/shared/output.js';

/** A real pipe whose reader takes nothing until asked: a stream over its write end, as stdout is. */
async function pipe() {
  const dir = await mkdtemp(join(tmpdir(), 'maas-output-'));
  const path = join(dir, 'fifo');
  execFileSync('mkfifo', [path]);
  const reader = fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  const fd = fs.openSync(path, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
  // Node gives process.stdout its descriptor as `fd`; a socket over a pipe has none of its own.
  const out = Object.assign(new Socket({ fd, readable: false, writable: true }), { fd });
  const chunks: Buffer[] = [];
  /** Reads what the pipe holds now, without waiting. */
  const take = () => {
    const chunk = Buffer.alloc(65536);
    let n = 0;
    try {
      n = fs.readSync(reader, chunk);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
    }
    chunks.push(chunk.subarray(0, n));
    return n;
  };
  /** Everything read, once `bytes` have come through, the stream emptying its queue meanwhile. */
  const read = async (bytes: number) => {
    let got = chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0);
    while (got < bytes) {
      const n = take();
      if (n === 0) await sleep(1);
      got += n;
    }
    return Buffer.concat(chunks).toString('utf8');
  };
  const close = async () => {
    out.destroy();
    fs.closeSync(reader);
    await rm(dir, { recursive: true, force: true });
  };
  return { out, take, read, close };
}

describe('writing text to a stream', () => {
  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('loses nothing and keeps the order when the pipe fills, mid-character included', async () => {
    const { out, take, read, close } = await pipe();
    try {
      const direct = jest.spyOn(fs, 'writeSync');
      // Short and long texts, multi-byte characters among them, over 30 times what a pipe holds:
      // the pipe refuses some, takes part of others, and the stream queues the rest.
      const texts = Array.from(
        { length: 400 },
        (_, i) => `${i} ${'é😀x'.repeat(i % 7 === 0 ? 2500 : 20)}\n`,
      );
      texts.push(`${'long '.repeat(60_000)}\n`);
      for (const [i, text] of texts.entries()) {
        writeText(out, text);
        // The reader makes room now and then, while the stream still holds what it queued.
        if (i % 50 === 49) take();
      }
      expect(direct).toHaveBeenCalled();
      expect(out.writableLength).toBeGreaterThan(0); // some went to the stream's queue
      const expected = texts.join('');
      expect(await read(Buffer.byteLength(expected))).toBe(expected);
    } finally {
      await close();
    }
  });

  it('writes straight to the descriptor while the stream holds nothing', async () => {
    const { out, read, close } = await pipe();
    try {
      const streamed = jest.spyOn(out, 'write');
      writeText(out, 'one line\n');
      expect(streamed).not.toHaveBeenCalled();
      expect(await read(9)).toBe('one line\n');
    } finally {
      await close();
    }
  });
});
