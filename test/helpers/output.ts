import fs from 'node:fs';
import { jest } from '@jest/globals';

/**
 * Runs `work` and returns what the process wrote meanwhile to stdout and stderr, through the streams
 * or straight to their descriptors (functions/shared/output.ts), in the order it was written. Both, as
 * Lambda sends both to CloudWatch (the logger writes warnings and errors to stderr).
 */
export async function captureOutput(work: () => unknown): Promise<string> {
  let raw = '';
  const capture = (chunk: string | Uint8Array) => {
    raw += chunk.toString();
    return true;
  };
  const direct = fs.writeSync;
  const spies = [
    jest.spyOn(process.stdout, 'write').mockImplementation(capture),
    jest.spyOn(process.stderr, 'write').mockImplementation(capture),
    jest.spyOn(fs, 'writeSync').mockImplementation(((
      fd: number,
      data: string,
      ...rest: never[]
    ) => {
      if (fd !== 1 && fd !== 2) return direct(fd, data, ...rest);
      capture(data);
      return Buffer.byteLength(data);
    }) as typeof fs.writeSync),
  ];
  try {
    await work();
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  return raw;
}

/** The JSON lines in captured output. */
export function jsonLines(raw: string): Record<string, unknown>[] {
  return raw
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
