// Child for `npm run soak`: autocannon in its own process, cycling through the traffic mix and
// checking every response's status against what that request must get.
import autocannon, { type AutocannonResult } from 'autocannon';
import { soakRequests } from '../soak-traffic.js';
import { send } from './io.js';

export interface SoakLoadOptions {
  readonly url: string;
  readonly apiKey: string;
  readonly connections: number;
  readonly seconds: number;
}

export interface SoakLoadResult {
  readonly requests: number;
  readonly byStatus: Record<string, number>;
  /** Responses whose status was not the one their request must get, by case. */
  readonly unexpected: Record<string, number>;
  readonly good: number;
  readonly goodFailed: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly latencyP50: number;
  readonly latencyP99: number;
}

const options = JSON.parse(process.argv[2] ?? '{}') as SoakLoadOptions;
const byStatus: Record<string, number> = {};
const unexpected: Record<string, number> = {};
let good = 0;
let goodFailed = 0;
const requests = soakRequests(options.apiKey).map((r) => ({
  method: 'POST' as const,
  path: r.path,
  headers: r.headers,
  body: r.body,
  onResponse: (status: number) => {
    byStatus[status] = (byStatus[status] ?? 0) + 1;
    if (r.expect === 200) {
      good++;
      if (status !== 200) goodFailed++;
    }
    if (status !== r.expect)
      unexpected[`${r.label}: ${status}`] = (unexpected[`${r.label}: ${status}`] ?? 0) + 1;
  },
}));

const result = await new Promise<AutocannonResult>((resolve, reject) => {
  autocannon(
    { url: options.url, connections: options.connections, duration: options.seconds, requests },
    (error, done) => (error === null ? resolve(done) : reject(error)),
  );
});
send({
  requests: result.requests.total,
  byStatus,
  unexpected,
  good,
  goodFailed,
  errors: result.errors,
  timeouts: result.timeouts,
  latencyP50: result.latency.p50,
  latencyP99: result.latency.p99,
} satisfies SoakLoadResult);
