import { getHead, listVersions, type RegistryDeps } from '../models/registry.js';
import { type ModelHead, type ModelVersion, statusOf } from '../models/schemas.js';
import { NotFoundError, UnavailableError } from '../oip/errors.js';

export interface CatalogOptions {
  /**
   * How long a model's records (routing included) are trusted before they are read again: a promote
   * or rollback reaches every serving process within this time.
   */
  readonly ttlMs: number;
  readonly now?: () => number;
  /** Picks canary or stable per request; a number in [0, 1). */
  readonly random?: () => number;
  /** Called when a refresh failed and the last known records are served instead. */
  readonly onStale?: (model: string, error: unknown) => void;
}

/** What the serving path knows about one model: its head and every version. */
export interface ModelEntry {
  readonly head: ModelHead;
  readonly versions: readonly ModelVersion[];
}

const MAX_CACHED = 10_000;

/**
 * Why a version serves a request: named in the URL (pinned), the stable or canary of the routing, or
 * the newest version of a model without a stable one. Metrics compare canary against stable by it.
 */
export type Role = 'pinned' | 'stable' | 'canary' | 'newest';

export interface Routed {
  readonly version: ModelVersion;
  readonly role: Role;
}

interface Cached {
  readonly at: number;
  entry: Promise<ModelEntry | undefined>;
  /** The last successful read, kept to serve while the registry is unreachable. */
  good?: { readonly entry: ModelEntry | undefined };
  /** The read before this one's, while this one is in flight: a refresh that outlasts the TTL still has it. */
  readonly fallback: { readonly entry: ModelEntry | undefined } | undefined;
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

  /** The versions unversioned requests can reach right now: stable and canary, or the newest. */
  async servingVersions(name: string): Promise<ModelVersion[]> {
    const { head, versions } = await this.model(name);
    if (head.stable === undefined) return [this.#route(head, versions).version];
    const roles = [head.stable, ...(head.canary === undefined ? [] : [head.canary])];
    return versions.filter((v) => roles.includes(v.version));
  }

  /** The version that serves a request; see route(). */
  async resolve(name: string, version?: number): Promise<ModelVersion> {
    return (await this.route(name, version)).version;
  }

  /**
   * The version that serves a request and why: the one named (unless retired), or without a version
   * the routing's choice: the canary for its weight's share of requests, else stable, else (no stable
   * yet) the newest ready version, so a first push just works. OIP lets the server choose by its own
   * policy.
   */
  async route(name: string, version?: number): Promise<Routed> {
    return this.#routeIn(await this.model(name), version);
  }

  /**
   * route() at once when the model's records are at hand (cached, fresh and read), else undefined:
   * the serving path tries it first, as waiting on settled promises through three async calls would
   * cost every warm request turns of the microtask queue. An unknown model is left to route().
   */
  routeNow(name: string, version?: number): Routed | undefined {
    const cached = this.#cache.get(name);
    if (cached?.good?.entry === undefined) return undefined;
    const now = (this.#options.now ?? Date.now)();
    if (!(now - cached.at < this.#options.ttlMs)) return undefined;
    return this.#routeIn(cached.good.entry, version);
  }

  #routeIn({ head, versions }: ModelEntry, version: number | undefined): Routed {
    if (version === undefined) return this.#route(head, versions);
    const found = versions.find((v) => v.version === version);
    if (found === undefined)
      throw new NotFoundError(`model '${head.name}' has no version ${version}`);
    if (statusOf(head, version) === 'retired') {
      throw new NotFoundError(`model '${head.name}' version ${version} is retired`);
    }
    return { version: found, role: 'pinned' };
  }

  #route(head: ModelHead, versions: readonly ModelVersion[]): Routed {
    if (head.stable === undefined) {
      const newest = versions.findLast((v) => statusOf(head, v.version) === 'ready');
      if (newest === undefined)
        throw new NotFoundError(`model '${head.name}' has no ready version`);
      return { version: newest, role: 'newest' };
    }
    const canary =
      head.canary !== undefined &&
      (this.#options.random ?? Math.random)() * 100 < (head.canaryWeight ?? 0);
    const chosen = canary ? head.canary : head.stable;
    const found = versions.find((v) => v.version === chosen);
    // #read makes sure the list holds every version the head routes to.
    if (found === undefined) {
      throw new UnavailableError(
        `model '${head.name}' routes to version ${chosen}, which is not readable`,
      );
    }
    return { version: found, role: canary ? 'canary' : 'stable' };
  }

  #lookup(name: string): Promise<ModelEntry | undefined> {
    const now = (this.#options.now ?? Date.now)();
    const cached = this.#cache.get(name);
    if (cached !== undefined && now - cached.at < this.#options.ttlMs) return cached.entry;
    // A failing read can take longer than the TTL (the SDK's timeouts and retries): the slot it left
    // in flight hands its fallback on, so a refresh after it still has the last good records.
    const previous = cached?.good ?? cached?.fallback;
    const slot: Cached = { at: now, entry: this.#read(name), fallback: previous };
    slot.entry = slot.entry.then(
      (entry) => {
        slot.good = { entry };
        return entry;
      },
      (error: unknown) => {
        // Stale if error: while the registry is unreachable, a model that was being served keeps
        // its last known records (and routing) rather than failing; one retry per TTL.
        if (previous !== undefined) {
          slot.good = previous;
          this.#options.onStale?.(name, error);
          return previous.entry;
        }
        // Nothing to fall back on: fail, and let the next request try again.
        if (this.#cache.get(name) === slot) this.#cache.delete(name);
        throw error;
      },
    );
    this.#cache.delete(name);
    this.#cache.set(name, slot);
    // Bounded, so requests for endless made-up names cannot grow it without limit; oldest go first.
    if (this.#cache.size > MAX_CACHED)
      this.#cache.delete(this.#cache.keys().next().value as string);
    return slot.entry;
  }

  async #read(name: string): Promise<ModelEntry | undefined> {
    try {
      // Both at once: one round trip instead of two on a cold start and on every refresh.
      const [head, versions] = await Promise.all([
        getHead(this.#deps, name).catch((error: unknown) => {
          if (error instanceof NotFoundError) return undefined;
          throw error;
        }),
        listVersions(this.#deps, name),
      ]);
      if (head === undefined) return undefined;
      // A version is written before any head names it, so only a list read before a push that the
      // head already routes to can miss it; reading the list again then finds it.
      const routed = [head.stable, head.canary].filter((v) => v !== undefined);
      const complete = routed.every((v) => versions.some((known) => known.version === v));
      return { head, versions: complete ? versions : await listVersions(this.#deps, name) };
    } catch (error) {
      throw new UnavailableError(`model registry unavailable: ${(error as Error).name}`, {
        cause: error,
      });
    }
  }
}
