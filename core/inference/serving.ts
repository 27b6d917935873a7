import type { Clients } from '../clients.js';
import { type Config, required } from '../config.js';
import { type ArtifactDeps, readModelBytes } from '../models/artifacts.js';
import type { ModelVersion } from '../models/schemas.js';
import { OipError, UnavailableError } from '../oip/errors.js';
import { type LoadAllocator, loadAllocator } from './allocator.js';
import { ModelCatalog } from './catalog.js';
import type { ServingDeps } from './endpoints.js';
import { createRunner, type Runner } from './runtime.js';
import { type CacheEvent, SessionCache } from './sessions.js';

/** What the adapter may observe of the serving path, or add around it; all optional, so core stays plain. */
export interface ServingHooks {
  /** Session cache events: loads, failures, evictions (and per-request hits and misses). */
  readonly onCacheEvent?: (event: CacheEvent) => void;
  /** The registry could not be read, and a model's last known records are served meanwhile. */
  readonly onStale?: (model: string, error: unknown) => void;
  /** Wraps each model load, e.g. in a trace subsegment. */
  readonly traceLoad?: <T>(name: string, work: () => Promise<T>) => Promise<T>;
  /** Runs each phase of a model load with the C allocator set for it (allocator.ts). */
  readonly allocator?: LoadAllocator;
}

/** Builds the serving path's dependencies from config and clients: once per container or process. */
export function createServing(
  config: Config,
  clients: Pick<Clients, 's3' | 'ddb'>,
  hooks: ServingHooks = {},
): ServingDeps {
  const registry = { ddb: clients.ddb, modelsTable: required(config, 'modelsTable') };
  const artifacts = { s3: clients.s3, modelBucket: required(config, 'modelBucket') };
  const load = loadModel(
    artifacts,
    (bytes) => createRunner(bytes, { intraOpThreads: config.intraOpThreads }),
    hooks.allocator ?? loadAllocator(undefined),
  );
  return {
    registry,
    catalog: new ModelCatalog(registry, {
      ttlMs: config.metadataTtlMs,
      ...(hooks.onStale === undefined ? {} : { onStale: hooks.onStale }),
    }),
    sessions: new SessionCache({
      budgetBytes: config.sessionCacheBytes,
      load: (version) =>
        hooks.traceLoad === undefined
          ? load(version)
          : hooks.traceLoad(`load model ${version.name}@${version.version}`, () => load(version)),
      ...(hooks.onCacheEvent === undefined ? {} : { onEvent: hooks.onCacheEvent }),
    }),
    // No request within the body limit can carry more elements than it has bytes (BOOL/INT8 in binary).
    limits: { maxElements: config.maxBodyBytes },
  };
}

/** Where preloading reports what it did: the function's Powertools logger, or a fake in tests. */
export interface PreloadLog {
  info(message: string, attributes: Record<string, unknown>): void;
  error(message: string, attributes: Record<string, unknown>): void;
}

/**
 * Loads what serves each named model (its stable and canary versions, or its newest) into the session cache: run during a Lambda
 * function's init, so with provisioned concurrency those models are warm before the first request.
 *
 * Log-and-continue, not fail-fast: a failed init makes Lambda tear the sandbox down and retry, and
 * makes provisioned concurrency (and with it the deployment) fail. A model that is not pushed yet (the
 * first deploy has an empty registry), was mistyped, or whose store hiccups would otherwise take every
 * other model down with it; this way it loads on its first request like any other model, and that
 * request's answer says what is wrong. One model at a time, so the memory peak is one model's.
 */
export async function preloadModels(
  serving: {
    readonly catalog: Pick<ModelCatalog, 'servingVersions'>;
    readonly sessions: Pick<SessionCache, 'warm'>;
  },
  names: readonly string[],
  log: PreloadLog,
): Promise<{ readonly loaded: string[]; readonly failed: string[] }> {
  const loaded: string[] = [];
  const failed: string[] = [];
  for (const name of names) {
    const started = Date.now();
    try {
      // Stable and canary both: either may take the first unversioned request.
      const versions = await serving.catalog.servingVersions(name);
      for (const version of versions) await serving.sessions.warm(version);
      log.info('model preloaded', {
        model: name,
        versions: versions.map((v) => v.version),
        ms: Date.now() - started,
      });
      loaded.push(name);
    } catch (error) {
      log.error('model not preloaded; it loads on its first request', {
        model: name,
        reason: error instanceof Error ? error.message : String(error),
      });
      failed.push(name);
    }
  }
  return { loaded, failed };
}

/** Fetches a version's bytes (sha256-verified) and opens a session; any failure is a 503 that says why. */
function loadModel(
  artifacts: ArtifactDeps,
  open: (bytes: Uint8Array) => Promise<Runner>,
  allocator: LoadAllocator,
) {
  return async (version: ModelVersion): Promise<Runner> => {
    const what = `model '${version.name}' version ${version.version}`;
    let bytes: Buffer;
    try {
      bytes = await allocator.fetching(() =>
        readModelBytes(artifacts, version.objectKey, version.size, version.sha256),
      );
    } catch (error) {
      if (error instanceof OipError) throw error;
      // Gone, not down: an operator's fix, which a push of the same file makes (push.ts restores it).
      if ((error as Error).name === 'NoSuchKey') {
        throw new UnavailableError(
          `${what} cannot be loaded: its stored bytes are missing; pushing the same file again restores them`,
          { cause: error },
        );
      }
      throw new UnavailableError(
        `${what} cannot be loaded: model store unavailable (${(error as Error).name})`,
        {
          cause: error,
        },
      );
    }
    try {
      return await allocator.opening(() => open(bytes));
    } catch (error) {
      // Its push opened the same bytes, so this is the runtime here, not the request: the client
      // hears that much, and onnxruntime's own words (paths, source lines) go to the log as the cause.
      throw new UnavailableError(
        `${what} cannot be loaded: onnxruntime could not open it here (the cause is in the function's log)`,
        { cause: error },
      );
    }
  };
}
