// Scenario 3: a fresh process from nothing to its first inference response. maas does what a Lambda
// cold start does (import the bundled handler, then the first request fetches the model from S3 via
// the SDK, creates the session and runs); the raw sequence imports onnxruntime-node, reads the file,
// creates the session and runs. Both run as plain node on bundles, alternating trial by trial.
import { writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../core/config.js';
import { servingSessionOptions } from '../core/inference/session-options.js';
import { FUNCTION_PROCESS_ENV } from './bundles.js';
import type { ColdFloorTimes } from './children/cold-floor.js';
import type { ColdMaasTimes } from './children/cold-maas.js';
import type { ColdRawTimes, RawInput } from './children/cold-raw.js';
import { progress } from './children/io.js';
import type { BenchContext } from './context.js';
import { inferEvent } from './events.js';
import { lookupBench, ortType, SILERO } from './models.js';
import { type Child, spawnChild } from './processes.js';
import {
  formatNumber,
  type Row,
  row,
  sliceRatios,
  spreadOf,
  summarize,
  type Target,
} from './stats.js';

const TARGET: Target = { comparator: '<=', ratio: 1.3 };
/** Slices of the trials (in the order they ran) whose ratios show how far the total drifted. */
const SLICES = 4;

/** Phases in the order they happen; maas and raw name the third one differently. */
const PHASES = [
  { key: 'boot', label: 'process start' },
  { key: 'import', label: 'import' },
  { key: 'load', label: 'fetch from S3 (maas) / read file (raw)' },
  { key: 'session', label: 'session creation' },
  { key: 'run', label: 'first run' },
] as const;
type Phase = (typeof PHASES)[number]['key'];
type Phases = Record<Phase | 'total', number>;

export async function runColdStart(context: BenchContext): Promise<Row[]> {
  const bundles = await context.bundles();
  const largeBytes = (context.quick ? 16 : 100) * 1024 * 1024;
  const models = [SILERO, lookupBench('cold-large', largeBytes, 7)];
  const trials = context.quick ? 1 : 8;
  const warmups = context.quick ? 0 : 1;

  const rows: Row[] = [];
  for (const model of models) {
    progress(`  ${model.label}: preparing (push to the store, write the file)`);
    const bytes = model.bytes();
    const version = await context.store.push({ ...model, bytes: () => bytes });
    const file = join(context.workDir, `${model.name}.onnx`);
    await writeFile(file, bytes);
    const inputs = model.inputs();
    // Through files: onnxruntime-node 1.30 crashes (SIGSEGV) creating a session in a process whose
    // command line is over about 28 KB.
    const eventFile = join(context.workDir, `${model.name}.event.json`);
    await writeFile(eventFile, JSON.stringify(inferEvent(model.name, 'json', inputs).event));
    const inputsFile = join(context.workDir, `${model.name}.inputs.json`);
    const rawInputs: RawInput[] = inputs.map((input) => ({
      name: input.name,
      type: ortType(input.datatype),
      shape: [...input.shape],
      data: Array.from(input.data as ArrayLike<number | bigint>, (v) =>
        typeof v === 'bigint' ? v.toString() : v,
      ),
    }));
    await writeFile(inputsFile, JSON.stringify(rawInputs));

    const coldMaas = () =>
      coldTrial<ColdMaasTimes>(
        spawnChild(bundles.coldMaas, [bundles.handler, eventFile], {
          label: 'cold maas',
          tsx: false,
          env: { ...context.store.env, ...FUNCTION_PROCESS_ENV },
        }),
        (t) => [t.started, t.imported, t.sessionStarted, t.sessionCreated, t.responded],
      );
    const sessionOptions = JSON.stringify(servingSessionOptions(availableParallelism()));
    const coldRaw = () =>
      coldTrial<ColdRawTimes>(
        spawnChild(bundles.coldRaw, [file, inputsFile, sessionOptions], {
          label: 'cold raw',
          tsx: false,
        }),
        (t) => [t.started, t.imported, t.read, t.sessionCreated, t.responded],
      );

    const config = loadConfig(context.store.env);
    const coldFloor = async () => {
      const child = spawnChild(
        bundles.coldFloor,
        [
          bundles.floorStore,
          JSON.stringify({
            region: config.region,
            s3Endpoint: config.s3Endpoint,
            dynamodbEndpoint: config.dynamodbEndpoint,
          }),
          context.store.deps.modelBucket,
          version.objectKey,
          String(version.size),
          version.sha256,
        ],
        { label: 'cold floor', tsx: false, env: { ...FUNCTION_PROCESS_ENV } },
      );
      const times = await child.result<ColdFloorTimes>();
      const ms = (from: string, to: string) => Number(BigInt(to) - BigInt(from)) / 1e6;
      return {
        import: ms(times.started, times.imported),
        fetch: ms(times.imported, times.fetched),
      };
    };

    const samples = { maas: [] as Phases[], raw: [] as Phases[] };
    const floors: { import: number; fetch: number }[] = [];
    for (let i = 0; i < warmups + trials; i++) {
      progress(
        `  ${model.label}: trial ${i + 1 - warmups}/${trials}${i < warmups ? ' (warm-up)' : ''}`,
      );
      // Alternate which goes first, so neither always meets a colder page cache.
      const pair = i % 2 === 0 ? [coldMaas, coldRaw] : [coldRaw, coldMaas];
      const [first, second] = [await pair[0]!(), await pair[1]!()];
      const floor = await coldFloor();
      if (i < warmups) continue;
      floors.push(floor);
      samples.maas.push(i % 2 === 0 ? first : second);
      samples.raw.push(i % 2 === 0 ? second : first);
    }

    const id = model === SILERO ? 'silero' : 'large';
    const of = (side: Phases[], key: Phase | 'total') => summarize(side.map((p) => p[key]));
    const totals = (side: Phases[]) => side.map((p) => p.total);
    rows.push(
      row({
        id: `cold-start.${id}.total`,
        family: 'cold-start',
        label: `${model.label}: spawn to first response`,
        unit: 'ms',
        maas: of(samples.maas, 'total'),
        reference: of(samples.raw, 'total'),
        spread: spreadOf(sliceRatios(totals(samples.maas), totals(samples.raw), SLICES)),
        target: TARGET,
        details: { trials },
      }),
      // What the target leaves maas over the raw sequence, against the least maas's shape adds to it:
      // loading the SDK clients, and downloading the bytes in place of reading the file. Above 1x, no
      // code in this shape meets the target on this machine.
      row({
        id: `cold-start.${id}.floor`,
        family: 'cold-start',
        label: `${model.label}: floor (SDK clients' import + download - file read) vs what ${TARGET.ratio}x allows over raw`,
        unit: 'ms',
        maas: summarize(floors.map((f, i) => f.import + f.fetch - samples.raw[i]!.load)),
        reference: summarize(samples.raw.map((p) => (TARGET.ratio - 1) * p.total)),
        details: {
          'SDK import': `${formatNumber(summarize(floors.map((f) => f.import)).median)} ms`,
          download: `${formatNumber(summarize(floors.map((f) => f.fetch)).median)} ms`,
        },
      }),
      ...PHASES.map((phase) =>
        row({
          id: `cold-start.${id}.${phase.key}`,
          family: 'cold-start',
          label: `${model.label}: ${phase.label}`,
          unit: 'ms',
          maas: of(samples.maas, phase.key),
          reference: of(samples.raw, phase.key),
        }),
      ),
    );
  }
  return rows;
}

/** A cold child's phases, from the five timestamps `ends` picks out of its report, in phase order. */
async function coldTrial<T>(child: Child, ends: (times: T) => readonly string[]): Promise<Phases> {
  return phases(child.spawnedAt, ends(await child.result<T>()));
}

/** Phase durations in ms from the spawn time and the five timestamps that end each phase. */
function phases(spawnedAt: bigint, ends: readonly string[]): Phases {
  const times = [spawnedAt, ...ends.map((t) => BigInt(t))];
  const ms = (i: number) => Number(times[i + 1]! - times[i]!) / 1e6;
  return {
    boot: ms(0),
    import: ms(1),
    load: ms(2),
    session: ms(3),
    run: ms(4),
    total: Number(times[5]! - times[0]!) / 1e6,
  };
}
