import { OipError } from '../core/oip/errors.js';
import { UsageError } from './errors.js';

/** Where commands write; tests swap it for buffers. */
export interface Io {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

let io: Io = { stdout: process.stdout, stderr: process.stderr };

export function setIo(next: Io): void {
  io = next;
}

export function currentIo(): Io {
  return io;
}

export function printJson(value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function printLine(text = ''): void {
  io.stdout.write(`${text}\n`);
}

/** Prints rows as aligned columns under upper-case headers. */
export function printTable<T>(
  rows: readonly T[],
  columns: Readonly<Record<string, (row: T) => string>>,
): void {
  const headers = Object.keys(columns);
  const cells = rows.map((row) => Object.values(columns).map((cell) => cell(row)));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]?.length ?? 0)));
  const line = (values: readonly string[]) =>
    values
      .map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  printLine(line(headers.map((h) => h.toUpperCase())));
  for (const row of cells) printLine(line(row));
}

/** Prints `key: value` pairs aligned on the colon. */
export function printFields(fields: Readonly<Record<string, string | number | undefined>>): void {
  const entries = Object.entries(fields).filter(([, v]) => v !== undefined);
  const width = Math.max(...entries.map(([k]) => k.length));
  for (const [key, value] of entries) printLine(`${`${key}:`.padEnd(width + 1)} ${value}`);
}

/** The one-line reason for a failure, and the exit code it earns: 2 for usage, 1 for the rest. */
export function describeFailure(error: unknown): { message: string; code: number } {
  if (error instanceof UsageError || (error instanceof Error && error.name === 'CLIError')) {
    return { message: error.message, code: 2 };
  }
  if (error instanceof OipError) return { message: error.message, code: 1 };
  const { code, address, port } = error as { code?: string; address?: string; port?: number };
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET') {
    // The SDK's own text is just the socket error; say what it means for the operator.
    const where =
      address === undefined ? 'the model store' : `the model store at ${address}:${port}`;
    return {
      message: `cannot reach ${where} (${code}); with --local, is \`npm start\` still running?`,
      code: 1,
    };
  }
  if (error instanceof Error) return { message: `${error.name}: ${error.message}`, code: 1 };
  return { message: String(error), code: 1 };
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}
