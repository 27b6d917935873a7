// Child for scenario 2: the load generator, autocannon, in a process of its own so it never shares an
// event loop with the server it measures. Options come as JSON in argv[2]; the result is every
// response time, so the parent can pool rounds and take exact percentiles.
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { send } from './io.js';

export interface LoadOptions {
  readonly url: string;
  readonly headers: Record<string, string>;
  /** A file holding the request bodies, a JSON array of strings (larger than a command line). */
  readonly bodiesFile: string;
  readonly connections: number;
  readonly seconds: number;
  readonly warmupSeconds: number;
}

export interface LoadResult {
  readonly seconds: number;
  readonly ok: number;
  /** Milliseconds per successful response, as the client saw it. */
  readonly latencies: number[];
}

const options = JSON.parse(process.argv[2] ?? '{}') as LoadOptions;
const requests = (JSON.parse(readFileSync(options.bodiesFile, 'utf8')) as string[]).map((body) => ({
  method: 'POST' as const,
  body,
}));

function run(seconds: number, latencies?: number[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        method: 'POST',
        connections: options.connections,
        duration: seconds,
        headers: options.headers,
        requests, // each connection takes them in turn
      },
      (error, result) => {
        if (error !== null) return reject(error);
        const failed = result.errors + result.timeouts + result.non2xx;
        if (failed > 0) {
          return reject(
            new Error(
              `${failed} failed requests (${JSON.stringify({ ...result, latencies: undefined })})`,
            ),
          );
        }
        resolve(result.duration);
      },
    );
    instance.on('response', (_client, status, _bytes, ms) => {
      if (status >= 200 && status < 300) latencies?.push(ms);
    });
  });
}

if (options.warmupSeconds > 0) await run(options.warmupSeconds);
const latencies: number[] = [];
const seconds = await run(options.seconds, latencies);
send({ seconds, ok: latencies.length, latencies } satisfies LoadResult);
