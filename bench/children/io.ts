// How children talk to bench/main.ts: one JSON line per message on file descriptor 3, progress on
// stderr. Not stdout: the handlers write a log line and an EMF record there per request, as on Lambda.
// Kept apart from bench/processes.ts so the bundled children load nothing they do not need.
import { writeSync } from 'node:fs';
import type { Context } from 'aws-lambda';

/** The pipe bench/processes.ts opens as the child's fourth file descriptor. */
const MESSAGES_FD = 3;

export function send(value: unknown): void {
  writeSync(MESSAGES_FD, `${JSON.stringify(value)}\n`);
}

export function progress(message: string): void {
  process.stderr.write(`${message}\n`);
}

/** process.hrtime.bigint() as text: a monotonic clock every process on the machine shares. */
export function now(): string {
  return process.hrtime.bigint().toString();
}

/**
 * A Lambda context with a minute left, as an invocation starts with. With getRemainingTimeInMillis,
 * middy arms its time-limit timer on every request, as it does in Lambda
 * (functions/shared/middleware.ts). Not read from core/config.ts: these children are bundled, and
 * its schema would load zod into them.
 */
export function invocationContext(awsRequestId: string): Context {
  return {
    functionName: 'maas-bench',
    awsRequestId,
    getRemainingTimeInMillis: () => 60_000,
  } as Context;
}
