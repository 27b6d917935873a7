import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Clients, createClients } from '../../core/clients.js';
import { type Config, loadConfig } from '../../core/config.js';
import type { ModelStoreDeps } from '../../core/models/push.js';
import { startEmulators } from '../../local/emulators.js';
import { LOCAL_RESOURCES, localEnv, seed } from '../../local/seed.js';

export interface TestStore {
  readonly config: Config;
  /** The environment a handler needs to use these emulators (set it before importing the handler). */
  readonly env: Readonly<Record<string, string>>;
  readonly clients: Clients;
  readonly deps: ModelStoreDeps & { readonly keysTable: string };
  readonly dataDir: string;
  stop(): Promise<void>;
}

/** Emulators on free ports with a throwaway data dir, seeded with the bucket and tables. */
export async function startStore(): Promise<TestStore> {
  const dataDir = await mkdtemp(join(tmpdir(), 'maas-test-'));
  const emulators = await startEmulators({ dataDir, persist: false });
  const env = localEnv(emulators);
  const config = loadConfig(env);
  const clients = createClients(config);
  await seed(clients);
  return {
    config,
    env,
    clients,
    deps: { ...clients, ...LOCAL_RESOURCES },
    dataDir,
    async stop() {
      clients.s3.destroy();
      clients.dynamodb.destroy();
      await emulators.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
