// How long a cold model load takes, and how much memory it needs: the numbers behind README's "Model
// size" guidance. `npx tsx bench/model-load.ts [MiB]` (default 200):
//   1. fetch: the bytes through readModelBytes (8 MiB ranges, 8 in flight, sha256-checked) from s3rver
//   2. open:  a fresh process opens the session from those bytes and reports its peak memory
// Locally the store is s3rver on loopback, so step 1 measures maas's own overhead (ranges, copy,
// sha256), not S3's bandwidth: README turns that into an estimate for Lambda.
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClients } from '../core/clients.js';
import { loadConfig } from '../core/config.js';
import { loadAllocator, loadMallopt } from '../core/inference/allocator.js';
import { createRunner } from '../core/inference/runtime.js';
import { readModelBytes, sha256Hex, writeModelBytes } from '../core/models/artifacts.js';
import { startEmulators } from '../local/emulators.js';
import { LOCAL_RESOURCES, localEnv, seed } from '../local/seed.js';
import { largeModel } from '../tools/onnx-models.js';

const MiB = 1024 * 1024;
const mib = (bytes: number) => `${(bytes / MiB).toFixed(0)} MiB`;

if (process.argv[2] === '--open') {
  await open(process.argv[3] as string);
} else {
  await fetchThenOpen(Number(process.argv[2] ?? 200));
}

async function fetchThenOpen(sizeMiB: number): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'maas-bench-'));
  const emulators = await startEmulators({ dataDir: dir, persist: false });
  const clients = createClients(loadConfig(localEnv(emulators)));
  try {
    await seed(clients);
    const bytes = largeModel(sizeMiB * MiB);
    const sha256 = sha256Hex(bytes);
    const deps = { s3: clients.s3, modelBucket: LOCAL_RESOURCES.modelBucket };
    await writeModelBytes(deps, 'models/bench/model.onnx', bytes, sha256);
    console.log(`model: ${mib(bytes.byteLength)} (${bytes.byteLength} bytes)`);
    for (let run = 1; run <= 3; run++) {
      const started = performance.now();
      const read = await readModelBytes(deps, 'models/bench/model.onnx', bytes.byteLength, sha256);
      const seconds = (performance.now() - started) / 1000;
      console.log(
        `fetch ${run}: ${seconds.toFixed(2)} s (${(read.byteLength / MiB / seconds).toFixed(0)} MiB/s)`,
      );
    }
    const hashStarted = performance.now();
    sha256Hex(bytes);
    console.log(`sha256 alone: ${((performance.now() - hashStarted) / 1000).toFixed(2)} s`);
    const file = join(dir, 'model.onnx');
    await writeFile(file, bytes);
    const self = fileURLToPath(import.meta.url);
    const child = spawnSync(process.execPath, ['--import', 'tsx', self, '--open', file], {
      stdio: 'inherit',
    });
    if (child.status !== 0) throw new Error(`the open step failed (${child.status})`);
  } finally {
    clients.s3.destroy();
    clients.dynamodb.destroy();
    await emulators.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** In its own process, so the peak resident memory is the session's and not the emulator's. */
async function open(file: string): Promise<void> {
  const before = process.memoryUsage().rss;
  const bytes = await readFile(file);
  // The C allocator set for the open as the inference function sets it (core/inference/allocator.ts).
  const allocator = loadAllocator((await loadMallopt()).mallopt);
  const started = performance.now();
  const runner = await allocator.opening(() => createRunner(bytes, { intraOpThreads: 2 }));
  const seconds = (performance.now() - started) / 1000;
  const after = process.memoryUsage().rss;
  const peak = process.resourceUsage().maxRSS * 1024;
  console.log(
    `open: ${seconds.toFixed(2)} s; resident before ${mib(before)}, with the session ${mib(after)}, ` +
      `peak ${mib(peak)} (${(((peak - before) / bytes.byteLength) * 100).toFixed(0)}% of the model over the baseline)`,
  );
  await runner.release();
}
