// `npm run soak`: minutes of mixed traffic against the local stack (several models, JSON and binary,
// some requests that must be refused) from autocannon in its own process, at a concurrency that keeps
// both cores busy. It holds when no answer is a 5xx, every good request gets its 200, every bad one
// its 4xx, and the server's memory stays flat after warm-up. Options: --seconds N (default 120),
// --connections N (default 16). Writes bench/results/soak.json.
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { SoakLoadOptions, SoakLoadResult } from './children/soak-load.js';
import { ROOT, spawnChild } from './processes.js';
import { summarize } from './stats.js';

const { values } = parseArgs({
  options: { seconds: { type: 'string' }, connections: { type: 'string' } },
});
const seconds = Number(values.seconds ?? 120);
const connections = Number(values.connections ?? 16);
/** Memory is judged after this share of the run: the caches and JIT fill up first. */
const WARMUP_SHARE = 0.25;

const stack = spawnChild('bench/children/soak-stack.ts', [], { label: 'maas', echo: false });
try {
  const { url, apiKey, pid } = await stack.message<{ url: string; apiKey: string; pid: number }>();
  process.stderr.write(`soak: ${seconds} s at ${connections} connections against ${url}\n`);
  const rss: { at: number; mib: number }[] = [];
  const started = Date.now();
  const sampler = setInterval(() => {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    rss.push({ at: (Date.now() - started) / 1000, mib: kib / 1024 });
    if (rss.length % 15 === 0)
      process.stderr.write(
        `  ${rss.at(-1)?.at.toFixed(0)} s: RSS ${rss.at(-1)?.mib.toFixed(0)} MiB\n`,
      );
  }, 2_000);
  const load = spawnChild(
    'bench/children/soak-load.ts',
    [JSON.stringify({ url, apiKey, connections, seconds } satisfies SoakLoadOptions)],
    {
      label: 'load',
    },
  );
  const result = await load.result<SoakLoadResult>(seconds * 1000 + 120_000);
  clearInterval(sampler);

  const afterWarmup = rss.filter((s) => s.at >= seconds * WARMUP_SHARE);
  // RSS saws up and down by tens of MiB with the garbage collector: the first and last thirds after
  // warm-up are compared by their medians, so a leak (a rising floor) shows and one sample's GC does not.
  const third = Math.max(1, Math.floor(afterWarmup.length / 3));
  const start = summarize(afterWarmup.slice(0, third).map((s) => s.mib)).median;
  const end = summarize(afterWarmup.slice(-third).map((s) => s.mib)).median;
  const peak = Math.max(...afterWarmup.map((s) => s.mib));
  const serverErrors = Object.entries(result.byStatus)
    .filter(([s]) => Number(s) >= 500)
    .reduce((n, [, c]) => n + c, 0);
  // Flat: within 10% (or 16 MiB) of where it stood once warm; allocator noise is not a leak.
  const flat = end <= start * 1.1 || end - start <= 16;
  const checks = {
    'no 5xx': serverErrors === 0,
    'every good request got 200': result.goodFailed === 0,
    'every answer as expected': Object.keys(result.unexpected).length === 0,
    'no socket errors or timeouts': result.errors === 0 && result.timeouts === 0,
    'RSS flat after warm-up': flat,
  };
  const report = {
    seconds,
    connections,
    requests: result.requests,
    requestsPerSecond: Math.round(result.requests / seconds),
    byStatus: result.byStatus,
    goodRequests: result.good,
    unexpected: result.unexpected,
    latencyMs: { p50: result.latencyP50, p99: result.latencyP99 },
    rssMiB: {
      warm: Math.round(start),
      end: Math.round(end),
      peakAfterWarmup: Math.round(peak),
      samples: rss,
    },
    checks,
    passed: Object.values(checks).every(Boolean),
  };
  await mkdir(join(ROOT, 'bench', 'results'), { recursive: true });
  await writeFile(
    join(ROOT, 'bench', 'results', 'soak.json'),
    `${JSON.stringify(report, null, 2)}\n`,
  );

  console.log(
    `requests     ${report.requests} in ${seconds} s (${report.requestsPerSecond}/s), ${connections} connections`,
  );
  console.log(
    `statuses     ${Object.entries(result.byStatus)
      .map(([s, c]) => `${s}: ${c}`)
      .join(', ')}`,
  );
  console.log(`good         ${result.good} sent, ${result.goodFailed} failed`);
  console.log(`latency      p50 ${result.latencyP50} ms, p99 ${result.latencyP99} ms`);
  console.log(
    `RSS          median ${report.rssMiB.warm} MiB in the first third after warm-up (${seconds * WARMUP_SHARE} s), ${report.rssMiB.end} MiB in the last, peak ${report.rssMiB.peakAfterWarmup} MiB`,
  );
  for (const [check, ok] of Object.entries(checks))
    console.log(`${ok ? 'PASS' : 'FAIL'}  ${check}`);
  if (!report.passed) {
    console.log(`unexpected   ${JSON.stringify(result.unexpected)}`);
    process.exitCode = 1;
  }
} finally {
  await stack.stop();
}
