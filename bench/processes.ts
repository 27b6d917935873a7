// Child processes for the benchmark. Every scenario that needs a clean process (a server, a load
// generator, a cold start, a memory count) runs in one; children talk back in JSON lines on file
// descriptor 3 (bench/children/io.ts) and write progress and diagnostics to stderr, which is passed
// through. Their stdout carries maas's request logs and metrics: read, so writing it costs what it
// costs on Lambda, and kept only to explain a failure.
import { type ChildProcess, spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface ChildOptions {
  /** Shown before each line the child writes to stderr. */
  readonly label: string;
  readonly env?: Readonly<Record<string, string>>;
  /** Load TypeScript through tsx (default); false runs plain JavaScript, as Lambda does. */
  readonly tsx?: boolean;
  /** Flags for node itself, e.g. --expose-gc. */
  readonly nodeFlags?: readonly string[];
  /** Pass the child's stderr through (default); false keeps it only for error messages. */
  readonly echo?: boolean;
}

export interface Child {
  readonly process: ChildProcess;
  /** process.hrtime.bigint() just before the spawn: the same monotonic clock children read. */
  readonly spawnedAt: bigint;
  /** The next JSON line the child writes to stdout. */
  message<T>(timeoutMs?: number): Promise<T>;
  /** Waits for a clean exit and returns the last JSON line written. */
  result<T>(timeoutMs?: number): Promise<T>;
  /** SIGTERM, then waits for the exit (SIGKILL after 15 s). */
  stop(): Promise<void>;
}

/** The environment every child gets on top of the parent's. */
const BASE_ENV = {
  // maas supports Node 20 locally on purpose (Lambda runs 22); the SDK's reminder is noise here.
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  // As maas runs onnxruntime (core/inference/runtime.ts): the raw references load it directly.
  ORT_DISABLE_TELEMETRY: '1',
};

export function spawnChild(entry: string, args: readonly string[], options: ChildOptions): Child {
  const flags = [
    ...(options.nodeFlags ?? []),
    ...(options.tsx === false ? [] : ['--import', 'tsx']),
  ];
  const spawnedAt = process.hrtime.bigint();
  const child = spawn(process.execPath, [...flags, entry, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...BASE_ENV, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
  });
  const messages: unknown[] = [];
  const waiting: ((value: unknown) => void)[] = [];
  let last: unknown;
  let stderr = '';
  let stdout = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout = (stdout + chunk).slice(-4_000);
  });
  let rest = '';
  const channel = child.stdio[3] as Readable;
  channel.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) {
      if (line.trim() === '') continue;
      const value: unknown = JSON.parse(line);
      last = value;
      const next = waiting.shift();
      if (next === undefined) messages.push(value);
      else next(value);
    }
  });
  let stderrRest = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-20_000);
    if (options.echo === false) return;
    const lines = (stderrRest + chunk).split('\n');
    stderrRest = lines.pop() ?? '';
    for (const line of lines) process.stderr.write(`  [${options.label}] ${line}\n`);
  });
  const exited = new Promise<number | null>((resolve) => {
    // 'close', not 'exit': every message the child wrote has been read by then.
    child.once('close', (code, signal) => resolve(signal === null ? code : null));
  });
  const failure = (what: string) =>
    new Error(
      `${options.label}: ${what}\n${stderr.trim().split('\n').slice(-30).join('\n')}\nstdout ends: ${stdout.slice(-1_000)}`,
    );
  const within = <T>(work: Promise<T>, timeoutMs: number, what: string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(failure(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      work.then(resolve, reject).finally(() => clearTimeout(timer));
    });

  return {
    process: child,
    spawnedAt,
    message<T>(timeoutMs = 120_000) {
      const queued = messages.shift();
      if (queued !== undefined) return Promise.resolve(queued as T);
      const next = new Promise<T>((resolve, reject) => {
        waiting.push(resolve as (value: unknown) => void);
        exited.then((code) => reject(failure(`exited (${code}) before writing a message`)));
      });
      return within(next, timeoutMs, 'a message');
    },
    async result<T>(timeoutMs = 300_000) {
      const code = await within(exited, timeoutMs, 'the exit');
      if (code !== 0) throw failure(`exited with ${code}`);
      if (last === undefined) throw failure('exited without a result');
      return last as T;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => {
        // Its numbers are in already; a child that will not stop must not fail the run.
        process.stderr.write(`  [${options.label}] still running 15 s after SIGTERM: killed\n`);
        child.kill('SIGKILL');
      }, 15_000);
      await exited.finally(() => clearTimeout(timer));
    },
  };
}
