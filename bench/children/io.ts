// How children talk to bench/main.ts: one JSON line per message on stdout, progress on stderr. Kept
// apart from bench/processes.ts so the bundled cold-start children load nothing they do not need.

export function send(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

export function progress(message: string): void {
  process.stderr.write(`${message}\n`);
}

/** process.hrtime.bigint() as text: a monotonic clock every process on the machine shares. */
export function now(): string {
  return process.hrtime.bigint().toString();
}
