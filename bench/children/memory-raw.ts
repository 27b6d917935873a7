// Child for scenario 4, bundled and run by plain node --expose-gc: the same models held by raw
// onnxruntime-node sessions, for comparison. argv: a file holding the RawMemoryPlan (JSON).
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { send } from './io.js';
import type { MemoryResult } from './memory-maas.js';
import { settledRss } from './rss.js';

export interface RawMemoryPlan {
  /** A model of a few hundred bytes with FP32 inputs a and b [n] (the tiny add/sub model). */
  readonly runtimeFile: string;
  /** Lookup models: INT64 input `index` [1]. */
  readonly files: string[];
  readonly checkpoints: number[];
  readonly options: object;
}

const plan = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as RawMemoryPlan;
const ort = (await import('onnxruntime-node')).default;
const sessions: unknown[] = []; // held, as a cache would hold them
const base = await settledRss();
const tiny = await ort.InferenceSession.create(await readFile(plan.runtimeFile), plan.options);
const one = new ort.Tensor('float32', Float32Array.of(1), [1]);
await tiny.run({ a: one, b: one });
sessions.push(tiny);
const runtimeBase = await settledRss();
const points: MemoryResult['points'] = [];
for (const [i, file] of plan.files.entries()) {
  const session = await ort.InferenceSession.create(await readFile(file), plan.options);
  await session.run({ index: new ort.Tensor('int64', BigInt64Array.of(7n), [1]) });
  sessions.push(session);
  if (plan.checkpoints.includes(i + 1)) points.push({ models: i + 1, rss: await settledRss() });
}
send({ base, runtimeBase, points } satisfies MemoryResult);
process.exit(0);
