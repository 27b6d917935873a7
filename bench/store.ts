// The model store the benchmark's maas processes read from: s3rver and dynalite in the parent,
// reached by children through the same environment variables a Lambda function gets.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClients } from '../core/clients.js';
import { loadConfig } from '../core/config.js';
import { type ModelStoreDeps, pushModel } from '../core/models/push.js';
import type { ModelVersion } from '../core/models/schemas.js';
import { startEmulators } from '../local/emulators.js';
import { LOCAL_RESOURCES, localEnv, seed } from '../local/seed.js';
import type { BenchModel } from './models.js';

export interface BenchStore {
  /** The handlers' settings (ENV names from core/config.ts), pointing at the emulators. */
  readonly env: Readonly<Record<string, string>>;
  readonly deps: ModelStoreDeps;
  /** Pushes a model unless identical bytes are already there; returns its version record. */
  push(model: BenchModel): Promise<ModelVersion>;
  stop(): Promise<void>;
}

export async function startBenchStore(): Promise<BenchStore> {
  const dataDir = await mkdtemp(join(tmpdir(), 'maas-bench-store-'));
  const emulators = await startEmulators({ dataDir, persist: false });
  const env = localEnv(emulators);
  const clients = createClients(loadConfig(env));
  await seed(clients);
  const deps = { ...clients, ...LOCAL_RESOURCES };
  const pushed = new Map<string, ModelVersion>();
  return {
    env,
    deps,
    async push(model) {
      const known = pushed.get(model.name);
      if (known !== undefined) return known;
      const { version } = await pushModel(deps, {
        name: model.name,
        bytes: model.bytes(),
        createdBy: 'maas-bench',
      });
      pushed.set(model.name, version);
      return version;
    },
    async stop() {
      clients.s3.destroy();
      clients.dynamodb.destroy();
      await emulators.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
