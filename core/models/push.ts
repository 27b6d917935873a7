import { inspectModel } from '../inference/runtime.js';
import { ConflictError, InvalidInputError } from '../oip/errors.js';
import { type ArtifactDeps, type Progress, sha256Hex, writeModelBytes } from './artifacts.js';
import { objectKey } from './keys.js';
import { checkModelName } from './names.js';
import {
  allocateVersion,
  claimSha,
  findShaClaim,
  findVersion,
  getHead,
  getVersion,
  moveShaClaim,
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
}

const MAX_DESCRIPTION = 1000;

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

  let claimed = await findShaClaim(deps, name, sha256);
  let retired: number | undefined;
  if (claimed !== undefined) {
    const existing = await findVersion(deps, name, claimed);
    if (existing !== undefined) {
      if (statusOf(await getHead(deps, name), claimed) === 'ready')
        return { version: existing, created: false };
      // Identical to a retired version, which may never serve again: these bytes become a new version.
      retired = claimed;
      claimed = undefined;
    }
    // Otherwise the claim's push stopped before its record: this push finishes it under that number.
  }

  const key = objectKey(name, sha256);
  await writeModelBytes(deps, key, input.bytes, sha256, input.onProgress);

  const now = input.now ?? new Date();
  // Racing identical pushes each allocate a number, but only one claims the hash; the loser's number
  // is skipped, so numbers always increase but may have gaps.
  const version =
    claimed ??
    (retired === undefined
      ? await claimSha(deps, name, sha256, await allocateVersion(deps, name, now))
      : await moveShaClaim(deps, name, sha256, retired, await allocateVersion(deps, name, now)));
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
  try {
    await putVersion(deps, record);
    return { version: record, created: true };
  } catch (error) {
    // Another push of the same bytes wrote this record first: theirs stands, and it is ours too.
    if (error instanceof ConflictError)
      return { version: await getVersion(deps, name, version), created: false };
    throw error;
  }
}

function checkDescription(description: string | undefined): string | undefined {
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
