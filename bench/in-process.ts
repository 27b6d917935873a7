// Scenario 1: the inference handler called with API Gateway events, against raw session.run on the
// same inputs, in one child process (bench/children/in-process.ts), alternating call by call.
import type { BenchContext } from './context.js';
import type { Encoding } from './events.js';
import { type BenchModel, CONV, formatBytes, SILERO, TINY } from './models.js';
import { spawnChild } from './processes.js';
import { type Row, row, type Summary, spreadOf, type Target } from './stats.js';

export interface InProcessCase {
  readonly model: BenchModel;
  readonly encoding: Encoding;
  readonly target?: Target;
}

/** The targets are the project's promises (issue 8); the tiny model shows the fixed cost alone. */
export const IN_PROCESS_CASES: readonly InProcessCase[] = [
  { model: TINY, encoding: 'json' },
  { model: TINY, encoding: 'binary' },
  { model: SILERO, encoding: 'json', target: { comparator: '<=', ratio: 1.5 } },
  { model: SILERO, encoding: 'binary', target: { comparator: '<=', ratio: 1.5 } },
  { model: CONV, encoding: 'json', target: { comparator: '<=', ratio: 2.2 } },
  { model: CONV, encoding: 'binary', target: { comparator: '<=', ratio: 1.1 } },
];

/** Consecutive slices of each case's samples whose ratios show how far it drifted within the run. */
export const IN_PROCESS_SLICES = 8;

export interface TimingOptions {
  readonly warmupMs: number;
  readonly budgetMs: number;
  readonly minSamples: number;
}

/** What the child reports per case, in IN_PROCESS_CASES order. */
export interface InProcessResult {
  readonly cases: readonly {
    readonly maas: Summary;
    readonly raw: Summary;
    /** The ratio of medians in each of IN_PROCESS_SLICES consecutive slices of the samples. */
    readonly sliceRatios: readonly number[];
    readonly bodyBytes: number;
  }[];
}

export async function runInProcess(context: BenchContext): Promise<Row[]> {
  for (const model of new Set(IN_PROCESS_CASES.map((c) => c.model)))
    await context.store.push(model);
  const timing: TimingOptions = context.quick
    ? { warmupMs: 200, budgetMs: 400, minSamples: 5 }
    : { warmupMs: 1_500, budgetMs: 8_000, minSamples: 100 };
  const child = spawnChild('bench/children/in-process.ts', [JSON.stringify(timing)], {
    label: 'in-process',
    env: context.store.env,
  });
  const result = await child.result<InProcessResult>();
  return IN_PROCESS_CASES.map((c, i) => {
    const measured = result.cases[i]!;
    return row({
      id: `in-process.${c.model.name}.${c.encoding}`,
      family: 'in-process',
      label: `${c.model.label}, ${c.encoding === 'json' ? 'JSON' : 'binary'}`,
      unit: 'ms',
      maas: measured.maas,
      reference: measured.raw,
      spread: spreadOf(measured.sliceRatios),
      ...(c.target === undefined ? {} : { target: c.target }),
      details: { body: formatBytes(measured.bodyBytes), n: measured.maas.n },
    });
  });
}

/**
 * Times `a` and `b` one call each in turn (ABBA, so neither always runs first) after a warm-up of
 * both, until the budget is spent and each has at least `minSamples` samples.
 */
export async function alternate(
  a: () => Promise<unknown>,
  b: () => Promise<unknown>,
  options: TimingOptions,
): Promise<{ a: number[]; b: number[] }> {
  const time = async (work: () => Promise<unknown>) => {
    const start = performance.now();
    await work();
    return performance.now() - start;
  };
  const warmupEnd = performance.now() + options.warmupMs;
  while (performance.now() < warmupEnd) {
    await a();
    await b();
  }
  const samples = { a: [] as number[], b: [] as number[] };
  const end = performance.now() + options.budgetMs;
  for (let i = 0; performance.now() < end || samples.a.length < options.minSamples; i++) {
    if (i % 2 === 0) {
      samples.a.push(await time(a));
      samples.b.push(await time(b));
    } else {
      samples.b.push(await time(b));
      samples.a.push(await time(a));
    }
  }
  return samples;
}
