// Scenario 2: throughput and latency over HTTP. The local maas (as `npm start` runs it: authorizer,
// validation, routing, the same handlers) and the bare reference server each run in a child process,
// autocannon in a third; rounds alternate between the two servers so drift hits both alike.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { progress } from './children/io.js';
import type { LoadOptions, LoadResult } from './children/load.js';
import type { BenchContext } from './context.js';
import { jsonBody, SILERO, sileroPath } from './models.js';
import { type Child, spawnChild } from './processes.js';
import { type Row, row, spreadOf, summarize, type Target } from './stats.js';

export const HTTP_CONCURRENCY = [1, 8, 32] as const;
const HTTP_VARIANTS = 128;

/** The promise: at concurrency 8, maas keeps 80% of a bare server's throughput. */
const TARGETS: Partial<Record<number, Target>> = { 8: { comparator: '>=', ratio: 0.8 } };

type Server = 'maas' | 'reference';

export async function runHttp(context: BenchContext): Promise<Row[]> {
  const seconds = context.quick ? 0.5 : 5;
  const warmupSeconds = context.quick ? 0.25 : 2;
  // Four rounds each, in the order maas, reference, reference, maas, twice: a slow drift cancels
  // out, and each maas round has a reference round beside it to take a ratio against (the spread).
  const abba: Server[] = ['maas', 'reference', 'reference', 'maas'];
  const order: Server[] = context.quick ? ['maas', 'reference'] : [...abba, ...abba];

  // Other values in each request, as in scenario 1 (bench/children/in-process.ts): one body
  // repeated would let V8 print the outputs from its cache of recent numbers. Each connection takes
  // them in turn.
  const bodiesFile = join(context.workDir, 'http-bodies.json');
  const bodies = Array.from({ length: HTTP_VARIANTS }, (_, v) => jsonBody(SILERO.inputs(v)));
  await writeFile(bodiesFile, JSON.stringify(bodies));
  const servers: Child[] = [];
  try {
    const maasChild = spawnChild('bench/children/local-stack.ts', [sileroPath(), SILERO.name], {
      label: 'maas server',
    });
    servers.push(maasChild);
    const referenceChild = spawnChild('bench/children/reference.ts', [sileroPath()], {
      label: 'reference server',
    });
    servers.push(referenceChild);
    const maas = await maasChild.message<{ url: string; apiKey: string }>();
    const reference = await referenceChild.message<{ url: string }>();
    const targets: Record<Server, Pick<LoadOptions, 'url' | 'headers'>> = {
      maas: {
        url: `${maas.url}/v2/models/${SILERO.name}/infer`,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${maas.apiKey}` },
      },
      reference: {
        url: `${reference.url}/v2/models/${SILERO.name}/infer`,
        headers: { 'content-type': 'application/json' },
      },
    };

    const rows: Row[] = [];
    for (const connections of HTTP_CONCURRENCY) {
      const rounds: Record<Server, LoadResult[]> = { maas: [], reference: [] };
      for (const [i, server] of order.entries()) {
        progress(`  concurrency ${connections}: ${server} (round ${i + 1}/${order.length})`);
        const load = spawnChild(
          'bench/children/load.ts',
          [
            JSON.stringify({
              ...targets[server],
              bodiesFile,
              connections,
              seconds,
              // Each server is warmed at this concurrency before its first round only.
              warmupSeconds: rounds[server].length === 0 ? warmupSeconds : 0,
            } satisfies LoadOptions),
          ],
          { label: 'autocannon' },
        );
        rounds[server].push(await load.result<LoadResult>());
      }
      const pooled = (results: LoadResult[]) => {
        const ok = results.reduce((n, r) => n + r.ok, 0);
        const time = results.reduce((s, r) => s + r.seconds, 0);
        return { rps: ok / time, latency: summarize(results.flatMap((r) => r.latencies)) };
      };
      const m = pooled(rounds.maas);
      const r = pooled(rounds.reference);
      // Each maas round against the reference round beside it.
      const paired = (ratio: (m: LoadResult, r: LoadResult) => number) =>
        spreadOf(rounds.maas.map((round, i) => ratio(round, rounds.reference[i]!)));
      const rps = (round: LoadResult) => round.ok / round.seconds;
      const latency = (round: LoadResult) => summarize(round.latencies).median;
      const target = TARGETS[connections];
      const label = `Silero JSON, concurrency ${connections}`;
      rows.push(
        row({
          id: `http.c${connections}.throughput`,
          family: 'http',
          label: `${label}: throughput`,
          unit: 'req/s',
          maas: { median: m.rps },
          reference: { median: r.rps },
          spread: paired((a, b) => rps(a) / rps(b)),
          ...(target === undefined ? {} : { target }),
          details: { requests: m.latency.n, 'ref requests': r.latency.n },
        }),
        row({
          id: `http.c${connections}.latency`,
          family: 'http',
          label: `${label}: latency`,
          unit: 'ms',
          maas: m.latency,
          reference: r.latency,
          spread: paired((a, b) => latency(a) / latency(b)),
        }),
      );
    }
    return rows;
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}
