import { getHead, listVersions, type RegistryDeps } from '../models/registry.js';
import type { ModelHead, ModelVersion } from '../models/schemas.js';
import { NotFoundError, UnavailableError } from '../oip/errors.js';

export interface CatalogOptions {
  /** How long a model's records are trusted before they are read again. */
  readonly ttlMs: number;
  readonly now?: () => number;
}

/** What the serving path knows about one model: its head and every version. */
export interface ModelEntry {
  readonly head: ModelHead;
  readonly versions: readonly ModelVersion[];
}

const MAX_CACHED = 10_000;

interface Cached {
  readonly at: number;
  readonly entry: Promise<ModelEntry | undefined>;
}

/**
 * Model records for the serving path, cached for a short TTL so a warm model costs no DynamoDB call
 * per request. Unknown models are cached too, so a stream of bad names cannot hammer the table.
 */
export class ModelCatalog {
  readonly #cache = new Map<string, Cached>();
  readonly #deps: RegistryDeps;
  readonly #options: CatalogOptions;

  constructor(deps: RegistryDeps, options: CatalogOptions) {
    this.#deps = deps;
    this.#options = options;
  }

  /** The model's head and versions, or NotFoundError. */
  async model(name: string): Promise<ModelEntry> {
    const entry = await this.#lookup(name);
    if (entry === undefined) throw new NotFoundError(`model '${name}' not found`);
    return entry;
  }

  /**
   * The version that serves a request: the one named, or without a version the model's newest ready
   * one (OIP lets the server choose by its own policy). Retired versions are never served.
   */
  async resolve(name: string, version?: number): Promise<ModelVersion> {
    const { versions } = await this.model(name);
    if (version === undefined) {
      const newest = versions.findLast((v) => v.status === 'ready');
      if (newest === undefined) throw new NotFoundError(`model '${name}' has no ready version`);
      return newest;
    }
    const found = versions.find((v) => v.version === version);
    if (found === undefined) throw new NotFoundError(`model '${name}' has no version ${version}`);
    if (found.status !== 'ready')
      throw new NotFoundError(`model '${name}' version ${version} is ${found.status}`);
    return found;
  }

  #lookup(name: string): Promise<ModelEntry | undefined> {
    const now = (this.#options.now ?? Date.now)();
    const cached = this.#cache.get(name);
    if (cached !== undefined && now - cached.at < this.#options.ttlMs) return cached.entry;
    const entry = this.#read(name);
    this.#cache.delete(name);
    this.#cache.set(name, { at: now, entry });
    // Bounded, so requests for endless made-up names cannot grow it without limit; oldest go first.
    if (this.#cache.size > MAX_CACHED)
      this.#cache.delete(this.#cache.keys().next().value as string);
    // A failed read must not be served from the cache: the next request tries again.
    entry.catch(() => {
      if (this.#cache.get(name)?.entry === entry) this.#cache.delete(name);
    });
    return entry;
  }

  async #read(name: string): Promise<ModelEntry | undefined> {
    try {
      const [head, versions] = await Promise.all([
        getHead(this.#deps, name).catch((error: unknown) => {
          if (error instanceof NotFoundError) return undefined;
          throw error;
        }),
        listVersions(this.#deps, name),
      ]);
      return head === undefined ? undefined : { head, versions };
    } catch (error) {
      throw new UnavailableError(`model registry unavailable: ${(error as Error).name}`, {
        cause: error,
      });
    }
  }
}
