import { DeleteObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { OBJECT_PREFIX } from './keys.js';
import type { ModelStoreDeps } from './push.js';
import { listModels, listVersions } from './registry.js';
import { statusOf } from './schemas.js';

export interface GcOptions {
  /** Retired versions' bytes are kept this long after retirement. */
  readonly retiredRetentionDays: number;
  /** Unreferenced bytes younger than this may belong to a push still in flight, so they stay. */
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

export interface GcReport {
  readonly candidates: readonly GcCandidate[];
  /** Objects left alone for now, and why (too young, retention not over). */
  readonly kept: readonly { key: string; until: string; reason: string }[];
  readonly scanned: number;
  readonly deleted: number;
  readonly freedBytes: number;
}

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

/**
 * Finds model bytes nothing serves any more: orphans of failed pushes, and versions retired longer ago
 * than the retention. Reports them, and removes them only with `apply`.
 * @example await collectGarbage(deps, { retiredRetentionDays: 30, graceMinutes: 60, apply: false })
 */
export async function collectGarbage(deps: ModelStoreDeps, options: GcOptions): Promise<GcReport> {
  const now = (options.now ?? new Date()).getTime();
  // References first, objects second: an object uploaded after the references were read is younger
  // than the grace period, so it cannot be mistaken for an orphan.
  const references = new Map<
    string,
    { versions: number[]; retiredAt: number[]; serving: boolean }
  >();
  for (const head of await listModels(deps)) {
    for (const version of await listVersions(deps, head.name)) {
      const ref = references.get(version.objectKey) ?? {
        versions: [],
        retiredAt: [],
        serving: false,
      };
      const retirement = head.retired[String(version.version)];
      if (statusOf(head, version.version) === 'ready' || retirement === undefined)
        ref.serving = true;
      else {
        ref.versions.push(version.version);
        ref.retiredAt.push(Date.parse(retirement.at));
      }
      references.set(version.objectKey, ref);
    }
  }

  const candidates: GcCandidate[] = [];
  const kept: { key: string; until: string; reason: string }[] = [];
  let scanned = 0;
  for await (const object of listObjects(deps)) {
    scanned++;
    const ref = references.get(object.key);
    if (ref?.serving) continue;
    const base = {
      key: object.key,
      size: object.size,
      lastModified: new Date(object.lastModified).toISOString(),
    };
    if (ref === undefined) {
      const until = object.lastModified + options.graceMinutes * MINUTE_MS;
      if (until > now)
        kept.push({
          key: object.key,
          until: new Date(until).toISOString(),
          reason: 'recent: a push may still be writing its record',
        });
      else candidates.push({ ...base, reason: 'orphan', versions: [] });
      continue;
    }
    const until = Math.max(...ref.retiredAt) + options.retiredRetentionDays * DAY_MS;
    if (until > now)
      kept.push({
        key: object.key,
        until: new Date(until).toISOString(),
        reason: `retired (versions ${ref.versions.join(', ')}); within retention`,
      });
    else candidates.push({ ...base, reason: 'retired', versions: ref.versions });
  }

  let deleted = 0;
  let freedBytes = 0;
  if (options.apply) {
    for (const candidate of candidates) {
      await deps.s3.send(new DeleteObjectCommand({ Bucket: deps.modelBucket, Key: candidate.key }));
      deleted++;
      freedBytes += candidate.size;
    }
  }
  return { candidates, kept, scanned, deleted, freedBytes };
}

async function* listObjects(
  deps: ModelStoreDeps,
): AsyncGenerator<{ key: string; size: number; lastModified: number }> {
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
