import { randomUUID } from 'node:crypto';
import { DeleteObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { OBJECT_PREFIX, parseObjectKey } from './keys.js';
import type { ModelStoreDeps } from './push.js';
import {
  findHead,
  getShaClaim,
  leaseBytes,
  listModels,
  listVersions,
  releaseLease,
} from './registry.js';
import type { ModelHead, ModelVersion } from './schemas.js';

export interface GcOptions {
  /** Retired versions' bytes are kept this long after retirement. */
  readonly retiredRetentionDays: number;
  /**
   * Unreferenced bytes younger than this, and bytes a push stored again within it, may belong to a
   * push still in flight, so they stay.
   */
  readonly graceMinutes: number;
  /** Remove what is found; without it, only report (the default everywhere). */
  readonly apply: boolean;
  readonly now?: Date;
}

export interface GcCandidate {
  readonly key: string;
  readonly size: number;
  readonly lastModified: string;
  /** orphan: no version refers to it (a push that failed before its record); retired: only retired versions do. */
  readonly reason: 'orphan' | 'retired';
  /** The retired versions it belonged to. */
  readonly versions: readonly number[];
}

export interface GcKept {
  readonly key: string;
  /** When it may go, if that depends only on time. */
  readonly until?: string;
  readonly reason: string;
}

export interface GcReport {
  readonly candidates: readonly GcCandidate[];
  /** Objects left alone for now, and why (too young, retention not over, in use again). */
  readonly kept: readonly GcKept[];
  readonly scanned: number;
  readonly deleted: number;
  readonly freedBytes: number;
}

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

/**
 * Finds model bytes nothing serves any more: orphans of failed pushes, and versions retired longer ago
 * than the retention. Reports them, and removes them only with `apply`.
 *
 * Keys are content-addressed, so a push of bytes identical to a retired version's, or to an orphan,
 * makes the same object serve again after gc has listed it. Before removing an object gc therefore
 * takes a lease on its content claim (which a push pins before writing the bytes), and decides again
 * from records read under that lease; see storeBytes in push.ts for the push's side.
 * @example await collectGarbage(deps, { retiredRetentionDays: 30, graceMinutes: 60, apply: false })
 */
export async function collectGarbage(deps: ModelStoreDeps, options: GcOptions): Promise<GcReport> {
  const now = (options.now ?? new Date()).getTime();
  // References first, objects second: an object uploaded after the references were read is younger
  // than the grace period, so it cannot be mistaken for an orphan.
  const references = new Map<string, Reference>();
  for (const head of await listModels(deps)) {
    addReferences(references, head, await listVersions(deps, head.name));
  }

  const candidates: GcCandidate[] = [];
  const kept: GcKept[] = [];
  let scanned = 0;
  for await (const object of listObjects(deps)) {
    scanned++;
    const verdict = judge(object, references.get(object.key), options, now);
    if (verdict.kind === 'candidate') candidates.push(verdict.candidate);
    else if (verdict.kind === 'kept') kept.push(verdict.kept);
  }
  if (!options.apply) return { candidates, kept, scanned, deleted: 0, freedBytes: 0 };

  const removed: GcCandidate[] = [];
  for (const candidate of candidates) {
    const spared = await removeUnlessUsed(deps, candidate, options, now);
    if (spared === undefined) removed.push(candidate);
    else kept.push(spared);
  }
  return {
    candidates: removed,
    kept,
    scanned,
    deleted: removed.length,
    freedBytes: removed.reduce((n, c) => n + c.size, 0),
  };
}

interface StoredObject {
  readonly key: string;
  readonly size: number;
  readonly lastModified: number;
}

/** The versions whose records name one object. */
interface Reference {
  readonly serving: number[];
  readonly retired: number[];
  readonly retiredAt: number[];
}

function addReferences(
  references: Map<string, Reference>,
  head: ModelHead,
  versions: readonly ModelVersion[],
): void {
  for (const version of versions) {
    const ref = references.get(version.objectKey) ?? { serving: [], retired: [], retiredAt: [] };
    const retirement = head.retired[String(version.version)];
    if (retirement === undefined) ref.serving.push(version.version);
    else {
      ref.retired.push(version.version);
      ref.retiredAt.push(Date.parse(retirement.at));
    }
    references.set(version.objectKey, ref);
  }
}

type Verdict =
  | { kind: 'serving' }
  | { kind: 'kept'; kept: GcKept }
  | { kind: 'candidate'; candidate: GcCandidate };

/** Whether an object may go, from the records that name it. */
function judge(
  object: StoredObject,
  ref: Reference | undefined,
  options: GcOptions,
  now: number,
): Verdict {
  if (ref !== undefined && ref.serving.length > 0) return { kind: 'serving' };
  const base = {
    key: object.key,
    size: object.size,
    lastModified: new Date(object.lastModified).toISOString(),
  };
  if (ref === undefined) {
    const until = object.lastModified + options.graceMinutes * MINUTE_MS;
    return until > now
      ? keep(object.key, until, 'recent: a push may still be writing its record')
      : { kind: 'candidate', candidate: { ...base, reason: 'orphan', versions: [] } };
  }
  const until = Math.max(...ref.retiredAt) + options.retiredRetentionDays * DAY_MS;
  return until > now
    ? keep(object.key, until, `retired (versions ${ref.retired.join(', ')}); within retention`)
    : { kind: 'candidate', candidate: { ...base, reason: 'retired', versions: ref.retired } };
}

function keep(key: string, until: number | undefined, reason: string): Verdict {
  return {
    kind: 'kept',
    kept: { key, ...(until === undefined ? {} : { until: new Date(until).toISOString() }), reason },
  };
}

/**
 * Removes a candidate unless, under a lease on its content claim, it turns out to be in use; returns
 * why it was spared. With the lease held no push can store these bytes, and the records read under it
 * are the ones that count.
 */
async function removeUnlessUsed(
  deps: ModelStoreDeps,
  candidate: GcCandidate,
  options: GcOptions,
  now: number,
): Promise<GcKept | undefined> {
  const remove = () =>
    deps.s3.send(new DeleteObjectCommand({ Bucket: deps.modelBucket, Key: candidate.key }));
  const owner = parseObjectKey(candidate.key);
  // No push writes outside the key layout, so nothing can race the removal of such an object.
  if (owner === undefined) {
    await remove();
    return undefined;
  }
  const { name, sha256 } = owner;
  const id = randomUUID();
  const lease = await leaseBytes(deps, name, sha256, {
    id,
    at: new Date(),
    pinnedBefore: new Date(now - options.graceMinutes * MINUTE_MS),
  });
  if (!lease.leased) {
    const { claim } = lease;
    return claim.leaseId !== undefined
      ? spared(candidate.key, `another maas gc is removing it (since ${claim.leasedAt})`)
      : spared(
          candidate.key,
          `a push stored these bytes at ${claim.pinnedAt}: it may be registering them`,
          Date.parse(claim.pinnedAt ?? '') + options.graceMinutes * MINUTE_MS,
        );
  }
  try {
    const head = await findHead(deps, name);
    const fresh = new Map<string, Reference>();
    if (head !== undefined)
      addReferences(fresh, head, await listVersions(deps, name, { consistent: true }));
    const ref = fresh.get(candidate.key);
    const object = {
      key: candidate.key,
      size: candidate.size,
      lastModified: Date.parse(candidate.lastModified),
    };
    const verdict = judge(object, ref, options, now);
    if (verdict.kind === 'serving')
      return spared(candidate.key, `in use again (versions ${ref?.serving.join(', ')})`);
    if (verdict.kind === 'kept') return verdict.kept;
    // Only a gc stalled past LEASE_STALE_MS loses its lease; then the one that took it decides.
    if ((await getShaClaim(deps, name, sha256)).leaseId !== id)
      return spared(candidate.key, 'this gc stalled and its lease was taken over');
    await remove();
    return undefined;
  } finally {
    await releaseLease(deps, name, sha256, id);
  }
}

function spared(key: string, reason: string, until?: number): GcKept {
  return {
    key,
    ...(until === undefined || Number.isNaN(until) ? {} : { until: new Date(until).toISOString() }),
    reason,
  };
}

async function* listObjects(deps: ModelStoreDeps): AsyncGenerator<StoredObject> {
  let token: string | undefined;
  do {
    const out = await deps.s3.send(
      new ListObjectsV2Command({
        Bucket: deps.modelBucket,
        Prefix: OBJECT_PREFIX,
        ContinuationToken: token,
      }),
    );
    for (const o of out.Contents ?? []) {
      if (o.Key !== undefined)
        yield { key: o.Key, size: o.Size ?? 0, lastModified: o.LastModified?.getTime() ?? 0 };
    }
    token = out.IsTruncated ? out.NextContinuationToken : undefined;
  } while (token !== undefined);
}
