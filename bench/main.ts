// `npm run bench [-- --quick] [--only <family,...>] [--out <file>] [--docs] [--from <file>]`: what
// maas costs over running the model yourself, as ratios measured in the same run. See
// docs/benchmarks.md.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type Bundles, buildBundles } from './bundles.js';
import { progress } from './children/io.js';
import type { BenchContext } from './context.js';
import { ROOT } from './processes.js';
import { FAMILIES, type Family, formatMarkdown, formatTable, type Row } from './stats.js';
import { startBenchStore } from './store.js';

// maas supports Node 20 locally on purpose (Lambda runs 22); the SDK's reminder is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** Loaded lazily, so --only skips the others' imports. */
const RUNNERS: Record<Family, () => Promise<(context: BenchContext) => Promise<Row[]>>> = {
  'in-process': () => import('./in-process.js').then((m) => m.runInProcess),
  http: () => import('./http.js').then((m) => m.runHttp),
  'cold-start': () => import('./cold-start.js').then((m) => m.runColdStart),
  memory: () => import('./memory.js').then((m) => m.runMemory),
};

/** docs/benchmarks.md's generated section lies between these markers. */
const BEGIN = '<!-- bench:begin -->';
const END = '<!-- bench:end -->';

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly node: string;
  readonly platform: string;
}

export interface BenchReport {
  readonly startedAt: string;
  readonly seconds: number;
  readonly quick: boolean;
  readonly machine: Machine;
  readonly rows: readonly Row[];
}

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    out: { type: 'string', default: join(ROOT, 'bench', 'results', 'latest.json') },
    docs: { type: 'boolean', default: false },
    // Prints (and with --docs publishes) a report written earlier, without measuring anything.
    from: { type: 'string' },
  },
});

const report =
  values.from === undefined
    ? await measure(selectFamilies(values.only), values.quick)
    : (JSON.parse(await readFile(values.from, 'utf8')) as BenchReport);
if (values.from === undefined) {
  const out = resolve(values.out);
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify(report, null, 2)}\n`);
  progress(`bench: wrote ${relative(process.cwd(), out) || out}`);
}
console.log(formatTable(report.rows));
console.log(`\n${describeMachine(report.machine)}; ${report.seconds} s`);
if (values.docs) {
  await updateDocs(report);
  progress('bench: updated docs/benchmarks.md');
}
// The emulators' and SDK clients' sockets are closed; exit without waiting on stray timers.
process.exit(0);

/** Runs the families in order against one model store, each in its own child processes. */
async function measure(families: readonly Family[], quick: boolean): Promise<BenchReport> {
  const startedAt = new Date();
  const started = performance.now();
  const workDir = await mkdtemp(join(tmpdir(), 'maas-bench-'));
  progress(`bench: ${quick ? 'quick run' : 'full run'} of ${families.join(', ')}`);
  progress('bench: starting the model store (s3rver + dynalite)');
  const store = await startBenchStore();
  let bundles: Promise<Bundles> | undefined;
  const context: BenchContext = {
    quick,
    store,
    workDir,
    bundles: () => {
      bundles ??= buildBundles();
      return bundles;
    },
  };
  const rows: Row[] = [];
  try {
    for (const family of families) {
      progress(`bench: ${family}`);
      const run = await RUNNERS[family]();
      rows.push(...(await run(context)));
    }
  } finally {
    await (await bundles?.catch(() => undefined))?.remove();
    await store.stop();
    await rm(workDir, { recursive: true, force: true });
  }
  return {
    startedAt: startedAt.toISOString(),
    seconds: Math.round((performance.now() - started) / 1000),
    quick,
    machine: machine(),
    rows,
  };
}

function selectFamilies(only: string | undefined): Family[] {
  if (only === undefined) return [...FAMILIES];
  const wanted = only.split(',').map((f) => f.trim());
  const unknown = wanted.filter((f) => !(FAMILIES as readonly string[]).includes(f));
  if (unknown.length > 0) {
    console.error(
      `bench: unknown scenario family ${unknown.join(', ')}; choose from ${FAMILIES.join(', ')}`,
    );
    process.exit(2);
  }
  return FAMILIES.filter((f) => wanted.includes(f));
}

function machine(): Machine {
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: availableParallelism(),
    memoryGiB: Math.round(totalmem() / 1024 ** 3),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}

export function describeMachine(m: Machine): string {
  return `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node} (${m.platform})`;
}

/** Replaces the generated part of docs/benchmarks.md (between the markers) with this run's tables. */
async function updateDocs(report: BenchReport): Promise<void> {
  const file = join(ROOT, 'docs', 'benchmarks.md');
  const text = await readFile(file, 'utf8');
  const start = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  if (start === -1 || end < start) throw new Error(`${file} has no ${BEGIN} ... ${END} section`);
  const generated = [
    BEGIN,
    `Run of ${report.startedAt.slice(0, 10)}${report.quick ? ' (--quick: numbers not meant to be quoted)' : ''}, ${report.seconds} s, on ${describeMachine(report.machine)}.`,
    '',
    formatMarkdown(report.rows),
    END,
  ].join('\n');
  await writeFile(file, text.slice(0, start) + generated + text.slice(end + END.length));
}
