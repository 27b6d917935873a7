import fs from 'node:fs';
import { jest } from '@jest/globals';

/**
 * Runs `work` and returns what the process wrote meanwhile to stdout and stderr, through the streams
 * or straight to their descriptors (functions/shared/output.ts), in the order it was written. Both, as
 * Lambda sends both to CloudWatch (the logger writes warnings and errors to stderr).
 */
export async function captureOutput(work: () => unknown): Promise<string> {
  let raw = '';
  const restore = redirectOutput([1, 2], (chunk) => {
    raw += chunk;
  });
  try {
    await work();
  } finally {
    restore();
  }
  return raw;
}

/**
 * Sends what the process writes to the given descriptors (1 stdout, 2 stderr), through the streams or
 * straight to the descriptors, to `sink` instead, until the returned function is called.
 */
export function redirectOutput(fds: readonly (1 | 2)[], sink: (chunk: string) => void): () => void {
  const capture = (chunk: string | Uint8Array) => {
    sink(chunk.toString());
    return true;
  };
  const direct = fs.writeSync;
  const spies = [
    ...fds.map((fd) =>
      jest.spyOn(fd === 1 ? process.stdout : process.stderr, 'write').mockImplementation(capture),
    ),
    jest.spyOn(fs, 'writeSync').mockImplementation(((
      fd: number,
      data: string,
      ...rest: never[]
    ) => {
      if (!(fds as readonly number[]).includes(fd)) return direct(fd, data, ...rest);
      capture(data);
      return Buffer.byteLength(data);
    }) as typeof fs.writeSync),
  ];
  return () => {
    for (const spy of spies) spy.mockRestore();
  };
}

/** The JSON lines in captured output. */
export function jsonLines(raw: string): Record<string, unknown>[] {
  return raw
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
