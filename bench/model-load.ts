// How long a cold model load takes, and how much memory it needs: the numbers behind README's "Model
// size" guidance. `npx tsx bench/model-load.ts [MiB]` (default 200). The parent runs s3rver and stores
// the model; a fresh process then loads it as the inference function does, with the C allocator set
// for each phase (core/inference/allocator.ts):
//   1. fetch: the bytes through readModelBytes (8 MiB ranges, 8 in flight, sha256-checked), three times
//   2. open:  the session from those bytes, with the process's peak memory
// Locally the store is s3rver on loopback, so step 1 measures maas's own overhead (ranges, copy,
// sha256, mapping buffers), not S3's bandwidth: README turns that into an estimate for Lambda.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
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
const KEY = 'models/bench/model.onnx';

if (process.argv[2] === '--fetch' || process.argv[2] === '--load') {
  await child(process.argv[2], Number(process.argv[3]), process.argv[4] as string);
} else {
  await store(Number(process.argv[2] ?? 200));
}

async function store(sizeMiB: number): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'maas-bench-'));
  const emulators = await startEmulators({ dataDir: dir, persist: false });
  const env = localEnv(emulators);
  const clients = createClients(loadConfig(env));
  try {
    await seed(clients);
    const bytes = largeModel(sizeMiB * MiB);
    const sha256 = sha256Hex(bytes);
    const deps = { s3: clients.s3, modelBucket: LOCAL_RESOURCES.modelBucket };
    await writeModelBytes(deps, KEY, bytes, sha256);
    console.log(`model: ${mib(bytes.byteLength)} (${bytes.byteLength} bytes)`);
    const hashStarted = performance.now();
    sha256Hex(bytes);
    console.log(`sha256 alone: ${((performance.now() - hashStarted) / 1000).toFixed(2)} s`);
    const self = fileURLToPath(import.meta.url);
    // Fetch timings, then one load's memory, each in a fresh process. Not spawnSync: s3rver, in this
    // process, must keep serving meanwhile.
    for (const step of ['--fetch', '--load']) {
      const started = spawn(
        process.execPath,
        ['--import', 'tsx', self, step, String(bytes.byteLength), sha256],
        { stdio: 'inherit', env: { ...process.env, ...env } },
      );
      const [code] = (await once(started, 'exit')) as [number | null];
      if (code !== 0) throw new Error(`${step} failed (${code})`);
    }
  } finally {
    clients.s3.destroy();
    clients.dynamodb.destroy();
    await emulators.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * `--fetch`: three fetches, timed. `--load`: one fetch and the open, as a cold function loads a model,
 * with the process's peak memory: in a process of its own, so it is the load's and not the emulator's.
 */
async function child(step: string, size: number, sha256: string): Promise<void> {
  const clients = createClients(loadConfig(process.env));
  const deps = { s3: clients.s3, modelBucket: LOCAL_RESOURCES.modelBucket };
  const allocator = loadAllocator((await loadMallopt()).mallopt);
  const before = process.memoryUsage().rss;
  const fetch = async () => {
    const started = performance.now();
    const bytes = await allocator.fetching(() => readModelBytes(deps, KEY, size, sha256));
    return { bytes, seconds: (performance.now() - started) / 1000 };
  };
  if (step === '--fetch') {
    for (let run = 1; run <= 3; run++) {
      const { seconds } = await fetch();
      console.log(
        `fetch ${run}: ${seconds.toFixed(2)} s (${(size / MiB / seconds).toFixed(0)} MiB/s)`,
      );
    }
  } else {
    const { bytes } = await fetch();
    const started = performance.now();
    const runner = await allocator.opening(() => createRunner(bytes, { intraOpThreads: 2 }));
    const seconds = (performance.now() - started) / 1000;
    const after = process.memoryUsage().rss;
    const peak = process.resourceUsage().maxRSS * 1024;
    console.log(
      `open: ${seconds.toFixed(2)} s; resident before ${mib(before)}, with the session ${mib(after)}, ` +
        `peak ${mib(peak)} (${(((peak - before) / size) * 100).toFixed(0)}% of the model over the baseline)`,
    );
    await runner.release();
  }
  clients.s3.destroy();
  clients.dynamodb.destroy();
}
