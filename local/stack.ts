import { mkdir, readFile } from 'node:fs/promises';
import { authenticate, createKey } from '../core/auth/api-keys.js';
import { createClients } from '../core/clients.js';
import { loadConfig } from '../core/config.js';
import { pushModel } from '../core/models/push.js';
import { ConflictError, UnauthorizedError } from '../core/oip/errors.js';
import { addSubModel } from '../tools/onnx-models.js';
import { type Emulators, startEmulators } from './emulators.js';
import { homePaths, type LocalState, writeLocalState, writeSecret } from './home.js';
import { LOCAL_RESOURCES, localEnv, seed } from './seed.js';
import { type LocalServer, startServer } from './server.js';

export interface LocalStackOptions {
  /** $MAAS_HOME: emulator data, local.json and the API key live here. */
  readonly home: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** Keep DynamoDB data on disk (npm start) or in memory (tests). S3 data is always under home. */
  readonly persist?: boolean;
  /** Extra settings for the handlers, by environment variable name (e.g. a short cache TTL in a test). */
  readonly env?: Readonly<Record<string, string>>;
  /** Push the demo model when the store is new. */
  readonly demo?: boolean;
}

export interface LocalStack {
  readonly url: string;
  readonly apiKey: string;
  readonly state: LocalState;
  /** Whether this start created the store (first start from a clean $MAAS_HOME). */
  readonly fresh: boolean;
  /** The S3 and DynamoDB emulators, to stop and restart them (fault tests). */
  readonly emulators: Emulators;
  /** Finishes in-flight requests, then stops the server and the emulators (flushing their data). */
  stop(): Promise<void>;
}

export const DEMO_MODEL = 'demo';
const LOCAL_KEY = 'local';

/**
 * The whole maas on one machine: emulators, seeded store, and the Lambda handlers behind a local
 * server. The handlers read their config from process.env when first imported, so one process runs
 * one local stack (jest gives each test file its own module registry).
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const paths = homePaths(options.home);
  // Its owner's only: it holds the key to every model and the models' bytes.
  await mkdir(options.home, { recursive: true, mode: 0o700 });
  const emulators = await startEmulators({ dataDir: paths.data, persist: options.persist ?? true });
  try {
    const env = { ...localEnv(emulators), ...options.env };
    const config = loadConfig(env);
    const clients = createClients(config);
    const fresh = await seed(clients);
    Object.assign(process.env, env);
    // One after the other: jest's ESM loader fails on concurrent imports that share dependencies.
    const { handler: inference } = await import('../functions/inference.js');
    const { handler: authorizer } = await import('../functions/authorizer.js');
    const apiKey = await ensureApiKey(
      { ddb: clients.ddb, keysTable: LOCAL_RESOURCES.keysTable },
      paths.apiKey,
    );
    if (fresh && options.demo !== false) {
      await pushModel(
        { ...clients, ...LOCAL_RESOURCES },
        {
          name: DEMO_MODEL,
          bytes: addSubModel(),
          createdBy: 'maas-local',
          description: 'demo: sum = a + b, difference = a - b',
        },
      );
    }
    const server: LocalServer = await startServer({
      port: options.port,
      handlers: { inference, authorizer },
      maxBodyBytes: config.maxBodyBytes,
      authCacheTtlMs: config.keyCacheTtlMs,
    });
    const state: LocalState = {
      pid: process.pid,
      url: server.url,
      region: config.region,
      s3Endpoint: emulators.s3Endpoint,
      dynamodbEndpoint: emulators.dynamodbEndpoint,
      ...LOCAL_RESOURCES,
      apiKeyFile: paths.apiKey,
    };
    await writeLocalState(options.home, state);
    return {
      url: server.url,
      apiKey,
      state,
      fresh,
      emulators,
      async stop() {
        await server.close();
        clients.s3.destroy();
        clients.dynamodb.destroy();
        await emulators.stop();
      },
    };
  } catch (error) {
    await emulators.stop();
    throw error;
  }
}

/** The local API key from $MAAS_HOME/api-key, created (all models, mode 0600) when missing or no longer valid. */
async function ensureApiKey(deps: Parameters<typeof createKey>[0], file: string): Promise<string> {
  const saved = await readFile(file, 'utf8').then(
    (t) => t.trim(),
    () => undefined,
  );
  if (saved !== undefined) {
    try {
      await authenticate(deps, `Bearer ${saved}`);
      return saved;
    } catch (error) {
      if (!(error instanceof UnauthorizedError)) throw error;
    }
  }
  // The old secret is gone or revoked; its name stays taken (names are never reused), so pick a new one.
  for (let n = 1; ; n++) {
    try {
      const { token } = await createKey(deps, {
        name: n === 1 ? LOCAL_KEY : `${LOCAL_KEY}-${n}`,
        createdBy: 'maas-local',
      });
      await writeSecret(file, token);
      return token;
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
    }
  }
}
