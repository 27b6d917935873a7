import { isDeepStrictEqual } from 'node:util';
import { inspectModel } from '../inference/runtime.js';
import { ConflictError, InvalidInputError } from '../oip/errors.js';
import {
  type ArtifactDeps,
  holdsBytes,
  type Progress,
  sha256Hex,
  writeModelBytes,
} from './artifacts.js';
import { objectKey } from './keys.js';
import { checkModelName } from './names.js';
import {
  allocateVersion,
  claimSha,
  findHead,
  findShaClaim,
  findVersion,
  getHead,
  getShaClaim,
  getVersion,
  moveShaClaim,
  pinBytes,
  putVersion,
  type RegistryDeps,
} from './registry.js';
import { type ModelVersion, statusOf } from './schemas.js';

export type ModelStoreDeps = RegistryDeps & ArtifactDeps;

export interface PushInput {
  readonly name: string;
  readonly bytes: Uint8Array;
  /** Who pushed: the caller's identity (STS ARN on AWS, the OS user locally). */
  readonly createdBy: string;
  readonly description?: string | undefined;
  readonly onProgress?: (progress: Progress) => void;
  readonly now?: Date;
}

export interface PushResult {
  readonly version: ModelVersion;
  /** False when identical bytes were already a version of this model, which is returned instead. */
  readonly created: boolean;
  /** True when that version's stored bytes were missing or damaged, and this push stored them again. */
  readonly restored: boolean;
}

const MAX_DESCRIPTION = 1000;
/** How long a push waits for `maas gc` to finish removing the same bytes before giving up. */
const LEASE_WAIT_MS = 10_000;
const LEASE_POLL_MS = 100;
/** Each retry needs another gc to take a lease on the same bytes meanwhile, so a few are plenty. */
const MAX_STORE_ATTEMPTS = 3;

/**
 * Validates, stores and registers a model version. The bytes are loaded in onnxruntime before anything
 * is written, stored before the record that makes them visible, and deduplicated by sha256.
 * @example await pushModel(deps, { name: 'vad', bytes, createdBy: 'alice' })
 */
export async function pushModel(deps: ModelStoreDeps, input: PushInput): Promise<PushResult> {
  const name = checkModelName(input.name);
  const description = checkDescription(input.description);
  const signature = await inspectModel(input.bytes);
  const sha256 = sha256Hex(input.bytes);
  const key = objectKey(name, sha256);
  const bytes: StoredBytes = {
    name,
    sha256,
    key,
    bytes: input.bytes,
    onProgress: input.onProgress,
  };

  let claimed = await findShaClaim(deps, name, sha256);
  /** A claim this push moves to a new number, when its own number may not be used. */
  let superseded: number | undefined;
  if (claimed !== undefined) {
    const existing = await findVersion(deps, name, claimed);
    if (existing !== undefined) {
      if (statusOf(await getHead(deps, name), claimed) === 'ready') {
        if (await holdsBytes(deps, key, existing.size, sha256))
          return { version: existing, created: false, restored: false };
        // The version's object is gone (removed by hand, or by an older gc) or no longer holds these
        // bytes: without this, it could never serve again, and pushing the file would keep answering
        // that nothing needs pushing.
        await confirmStored(deps, bytes, await storeBytes(deps, bytes));
        return { version: existing, created: false, restored: true };
      }
      // Identical to a retired version, which may never serve again: these bytes become a new version.
      superseded = claimed;
      claimed = undefined;
    }
    // Otherwise the claim's push stopped before its record: this push finishes it.
  }

  const pinned = await storeBytes(deps, bytes);

  // Under the abandoned claim's number only if no push took a number since (read now, after the
  // upload, which may be long): otherwise this push, the newest, would be numbered below an earlier
  // one, and the newest ready version is what serves a model with no stable version. A record may
  // have appeared meanwhile: then an identical push was still under way, and its version stands.
  // One written after this check makes two versions of the same bytes, which is harmless.
  if (
    claimed !== undefined &&
    claimed < ((await findHead(deps, name))?.lastVersion ?? 0) &&
    (await findVersion(deps, name, claimed)) === undefined
  ) {
    superseded = claimed;
    claimed = undefined;
  }

  const now = input.now ?? new Date();
  // Racing identical pushes each allocate a number, but only one claims the hash; the loser's number
  // is skipped, so numbers always increase but may have gaps.
  const version =
    claimed ??
    (superseded === undefined
      ? await claimSha(deps, name, sha256, await allocateVersion(deps, name, now))
      : await moveShaClaim(deps, name, sha256, superseded, await allocateVersion(deps, name, now)));
  const record: ModelVersion = {
    name,
    version,
    sha256,
    size: input.bytes.byteLength,
    objectKey: key,
    signature,
    createdAt: now.toISOString(),
    createdBy: input.createdBy,
    ...(description === undefined ? {} : { description }),
  };
  let result: PushResult;
  try {
    await putVersion(deps, record);
    result = { version: record, created: true, restored: false };
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    // Either another push of the same bytes wrote this record first (theirs stands, and it is ours
    // too), or the store applied our write and lost its answer, and the SDK's retry found our record.
    const stored = await getVersion(deps, name, version);
    result = { version: stored, created: isDeepStrictEqual(stored, record), restored: false };
  }
  await confirmStored(deps, bytes, pinned);
  return result;
}

interface StoredBytes {
  readonly name: string;
  readonly sha256: string;
  readonly key: string;
  readonly bytes: Uint8Array;
  readonly onProgress?: ((progress: Progress) => void) | undefined;
}

/**
 * Pins the bytes' claim, then writes them. `maas gc` takes no lease on bytes pinned within its grace
 * period, and a push waits while gc holds one, so gc cannot remove what this push is about to
 * register. Returns the claim's count of gc leases at the pin, for confirmStored.
 */
async function storeBytes(deps: ModelStoreDeps, stored: StoredBytes): Promise<number> {
  const deadline = Date.now() + LEASE_WAIT_MS;
  for (;;) {
    const pin = await pinBytes(deps, stored.name, stored.sha256, new Date());
    if (pin.pinned) {
      await writeModelBytes(deps, stored.key, stored.bytes, stored.sha256, stored.onProgress);
      return pin.collections;
    }
    if (Date.now() > deadline) {
      throw new ConflictError(
        `maas gc has been removing the stored bytes of '${stored.name}' (sha256 ${stored.sha256.slice(0, 12)}) ` +
          `since ${pin.claim.leasedAt}; push again once it is done`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, LEASE_POLL_MS));
  }
}

/**
 * Makes sure the bytes outlived the push. A push slower than gc's grace period may see gc take a lease
 * between its pin and its record, and gc may then have removed the object, seeing no record yet: the
 * lease count tells, and the bytes are stored again. Once the record exists, no later gc removes them.
 */
async function confirmStored(
  deps: ModelStoreDeps,
  stored: StoredBytes,
  pinned: number,
): Promise<void> {
  let collections = pinned;
  for (let attempt = 1; ; attempt++) {
    if ((await getShaClaim(deps, stored.name, stored.sha256)).collections === collections) return;
    if (attempt === MAX_STORE_ATTEMPTS) {
      throw new ConflictError(
        `maas gc kept removing the stored bytes of '${stored.name}' (sha256 ${stored.sha256.slice(0, 12)}) ` +
          'while this push stored them; push again',
      );
    }
    collections = await storeBytes(deps, stored);
  }
}

/** Returns a version description fit to store (undefined for none), or says what is wrong with it. */
export function checkDescription(description: string | undefined): string | undefined {
  if (description === undefined || description === '') return undefined;
  if (description.length > MAX_DESCRIPTION) {
    throw new InvalidInputError(
      `description is ${description.length} characters; the limit is ${MAX_DESCRIPTION}`,
    );
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses
  if (/[\u0000-\u001f\u007f]/.test(description)) {
    throw new InvalidInputError('description must not contain control characters');
  }
  return description;
}
