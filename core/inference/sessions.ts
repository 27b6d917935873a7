import type { ModelVersion } from '../models/schemas.js';
import type { Runner } from './runtime.js';

export type CacheEvent =
  | { readonly type: 'hit' | 'miss'; readonly key: string }
  | { readonly type: 'loaded'; readonly key: string; readonly ms: number; readonly bytes: number }
  | { readonly type: 'load-failed'; readonly key: string; readonly error: unknown }
  | { readonly type: 'evicted'; readonly key: string; readonly bytes: number };

export interface SessionCacheOptions {
  /** Sum of model sizes kept loaded; least recently used models are released beyond it. */
  readonly budgetBytes: number;
  readonly load: (version: ModelVersion) => Promise<Runner>;
  /** How long a failed load is remembered, so a broken model is not fetched again on every request. */
  readonly retryAfterMs?: number;
  readonly onEvent?: (event: CacheEvent) => void;
  readonly now?: () => number;
}

interface Entry {
  readonly key: string;
  readonly bytes: number;
  readonly loading: Promise<Runner>;
  runner?: Runner;
  failedAt?: number;
  refs: number;
  evicted: boolean;
}

/**
 * One onnxruntime session per model version, kept across invocations of a warm container. Concurrent
 * first requests share one load (single flight); a session in use is released only once its last
 * request finishes, even if it was evicted meanwhile.
 */
export class SessionCache {
  readonly #entries = new Map<string, Entry>(); // insertion order is recency order
  readonly #options: SessionCacheOptions;

  constructor(options: SessionCacheOptions) {
    this.#options = options;
  }

  /** Runs `work` with the version's session, loading it first if needed (then `onLoad` is called). */
  async use<T>(
    version: ModelVersion,
    work: (runner: Runner) => Promise<T>,
    onLoad?: () => void,
  ): Promise<T> {
    const entry = this.#acquire(version, onLoad);
    entry.refs++;
    try {
      // A loaded session at once: no turn of the microtask queue awaiting its settled load.
      return await work(entry.runner ?? (await entry.loading));
    } finally {
      entry.refs--;
      if (entry.evicted && entry.refs === 0) void entry.runner?.release();
    }
  }

  /** Loads a version ahead of its first request (Lambda init, or a readiness probe). */
  async warm(version: ModelVersion): Promise<void> {
    await this.use(version, async () => undefined);
  }

  stats(): { readonly models: number; readonly bytes: number } {
    let bytes = 0;
    let models = 0;
    for (const entry of this.#entries.values()) {
      if (entry.failedAt !== undefined) continue;
      models++;
      bytes += entry.bytes;
    }
    return { models, bytes };
  }

  #acquire(version: ModelVersion, onLoad?: () => void): Entry {
    const key = `${version.name}@${version.version}`;
    const now = this.#options.now ?? Date.now;
    const existing = this.#entries.get(key);
    const retryAfter = this.#options.retryAfterMs ?? 5_000;
    if (
      existing !== undefined &&
      (existing.failedAt === undefined || now() - existing.failedAt < retryAfter)
    ) {
      this.#entries.delete(key);
      this.#entries.set(key, existing);
      this.#options.onEvent?.({ type: 'hit', key });
      return existing;
    }
    if (existing !== undefined) this.#entries.delete(key);
    this.#options.onEvent?.({ type: 'miss', key });
    onLoad?.();
    const started = now();
    const entry: Entry = {
      key,
      bytes: version.size,
      loading: this.#options.load(version).then(
        (runner) => {
          entry.runner = runner;
          this.#options.onEvent?.({
            type: 'loaded',
            key,
            ms: now() - started,
            bytes: version.size,
          });
          this.#evictBeyondBudget(entry);
          return runner;
        },
        (error: unknown) => {
          entry.failedAt = now();
          this.#options.onEvent?.({ type: 'load-failed', key, error });
          throw error;
        },
      ),
      refs: 0,
      evicted: false,
    };
    // A failed load is awaited by its requests; nobody else may see it as an unhandled rejection.
    entry.loading.catch(() => {});
    this.#entries.set(key, entry);
    return entry;
  }

  #evictBeyondBudget(keep: Entry): void {
    let bytes = this.stats().bytes;
    for (const entry of this.#entries.values()) {
      if (bytes <= this.#options.budgetBytes) return;
      // Loads in flight and failed loads hold no session yet; the newest model always stays.
      if (entry === keep || entry.runner === undefined) continue;
      this.#entries.delete(entry.key);
      entry.evicted = true;
      bytes -= entry.bytes;
      this.#options.onEvent?.({ type: 'evicted', key: entry.key, bytes: entry.bytes });
      if (entry.refs === 0) void entry.runner.release();
    }
  }
}
