// Scenario 4: resident memory with 1, 5 and 20 models cached, against the sum of their sizes. The
// inference function's process loads distinct models through its serving path; raw onnxruntime-node
// holding the same files is measured too, to show what is onnxruntime's own and what is maas's.
import { writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { servingSessionOptions } from '../core/inference/session-options.js';
import { FUNCTION_PROCESS_ENV } from './bundles.js';
import { progress } from './children/io.js';
import type { MemoryPlan, MemoryResult } from './children/memory-maas.js';
import type { RawMemoryPlan } from './children/memory-raw.js';
import type { BenchContext } from './context.js';
import { inferEvent, readyEvent } from './events.js';
import { formatBytes, lookupBench, TINY } from './models.js';
import { spawnChild } from './processes.js';
import { type Row, row, type Target } from './stats.js';

export const MEMORY_CHECKPOINTS = [1, 5, 20] as const;

/** The promise: RSS at most 1.5x the cached models' bytes above a fixed base (reported). */
const TARGET: Target = { comparator: '<=', ratio: 1.5 };

const MiB = 1024 * 1024;

export async function runMemory(context: BenchContext): Promise<Row[]> {
  const bundles = await context.bundles();
  const size = (context.quick ? 1 : 4) * MiB;
  const count = Math.max(...MEMORY_CHECKPOINTS);
  // Distinct weights per model (the seed), so no two share bytes in the store or in memory.
  const models = Array.from({ length: count }, (_, i) =>
    lookupBench(`memory-${i + 1}`, size, 101 + i),
  );
  progress(`  pushing ${count} models of ${formatBytes(size)}`);
  const files: string[] = [];
  const sizes: number[] = [];
  for (const model of models) {
    const bytes = model.bytes();
    await context.store.push({ ...model, bytes: () => bytes });
    const file = join(context.workDir, `${model.name}.onnx`);
    await writeFile(file, bytes);
    files.push(file);
    sizes.push(bytes.byteLength);
  }
  const checkpoints = [...MEMORY_CHECKPOINTS];

  await context.store.push(TINY);
  const tinyFile = join(context.workDir, 'memory-tiny.onnx');
  await writeFile(tinyFile, TINY.bytes());

  progress('  maas: loading models through the inference handler');
  // Plans go through files: onnxruntime-node 1.30 crashes creating a session when the command line
  // is over about 28 KB.
  const planFile = join(context.workDir, 'memory-plan.json');
  await writeFile(
    planFile,
    JSON.stringify({
      readyEvent: readyEvent(),
      runtimeEvent: inferEvent(TINY.name, 'json', TINY.inputs()).event,
      events: models.map((m) => inferEvent(m.name, 'json', m.inputs()).event),
      checkpoints,
    } satisfies MemoryPlan),
  );
  const maas = await spawnChild(bundles.memoryMaas, [bundles.handler, planFile], {
    label: 'memory maas',
    tsx: false,
    nodeFlags: ['--expose-gc'],
    env: { ...context.store.env, ...FUNCTION_PROCESS_ENV },
  }).result<MemoryResult>();

  progress('  raw: the same files in onnxruntime-node sessions');
  const rawPlanFile = join(context.workDir, 'memory-raw-plan.json');
  await writeFile(
    rawPlanFile,
    JSON.stringify({
      runtimeFile: tinyFile,
      files,
      checkpoints,
      options: servingSessionOptions(availableParallelism()),
    } satisfies RawMemoryPlan),
  );
  const raw = await spawnChild(bundles.memoryRaw, [rawPlanFile], {
    label: 'memory raw',
    tsx: false,
    nodeFlags: ['--expose-gc'],
  }).result<MemoryResult>();

  return checkpoints.map((n) => {
    const sum = sizes.slice(0, n).reduce((a, b) => a + b, 0);
    const m = maas.points.find((p) => p.models === n)!.rss;
    const r = raw.points.find((p) => p.models === n)!.rss;
    return row({
      id: `memory.models-${n}`,
      family: 'memory',
      label: `${n} x ${formatBytes(size)} models: RSS above base vs their bytes`,
      unit: 'MiB',
      // The fixed base is the process with onnxruntime initialised: its first session costs the same
      // tens of MiB whatever the model (raw onnxruntime-node shows it too), so it is not per model.
      maas: { median: (m - maas.runtimeBase) / MiB },
      reference: { median: sum / MiB },
      target: TARGET,
      details: {
        RSS: m / MiB,
        'base (no model)': maas.base / MiB,
        'onnxruntime init': (maas.runtimeBase - maas.base) / MiB,
        'raw ratio': (r - raw.runtimeBase) / sum,
      },
    });
  });
}
