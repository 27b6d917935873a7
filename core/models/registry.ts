import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { ConflictError, NotFoundError } from '../oip/errors.js';
import {
  changeKey,
  changesQuery,
  HEADS_PARTITION,
  headKey,
  shaClaimKey,
  type TableKey,
  versionKey,
  versionsQuery,
} from './keys.js';
import {
  type Change,
  ChangeSchema,
  type ModelHead,
  ModelHeadSchema,
  type ModelVersion,
  ModelVersionSchema,
  type ShaClaim,
  ShaClaimSchema,
} from './schemas.js';

export interface RegistryDeps {
  readonly ddb: DynamoDBDocumentClient;
  readonly modelsTable: string;
}

/** Allocates the model's next version number: one atomic counter, so concurrent pushes never share one. */
export async function allocateVersion(
  deps: RegistryDeps,
  name: string,
  now: Date,
): Promise<number> {
  const out = await deps.ddb.send(
    new UpdateCommand({
      TableName: deps.modelsTable,
      Key: headKey(name),
      UpdateExpression:
        'SET #name = :name, createdAt = if_not_exists(createdAt, :now) ADD lastVersion :one',
      ExpressionAttributeNames: { '#name': 'name' },
      ExpressionAttributeValues: { ':name': name, ':now': now.toISOString(), ':one': 1 },
      ReturnValues: 'UPDATED_NEW',
    }),
  );
  return Number(out.Attributes?.lastVersion);
}

/** Writes a version record once; a second write of the same number is refused, never overwritten. */
export async function putVersion(deps: RegistryDeps, record: ModelVersion): Promise<void> {
  await putOnce(deps, versionKey(record.name, record.version), record, () => {
    return new ConflictError(`model ${record.name} version ${record.version} already exists`);
  });
}

/** One version, ready or retired. */
export async function getVersion(
  deps: RegistryDeps,
  name: string,
  version: number,
): Promise<ModelVersion> {
  const record = await findVersion(deps, name, version);
  if (record === undefined) throw new NotFoundError(`model '${name}' has no version ${version}`);
  return record;
}

export async function findVersion(
  deps: RegistryDeps,
  name: string,
  version: number,
): Promise<ModelVersion | undefined> {
  const item = await getItem(deps, versionKey(name, version));
  return item === undefined ? undefined : ModelVersionSchema.parse(item);
}

/** Every version of a model, oldest first; `consistent` also sees a record written a moment ago. */
export async function listVersions(
  deps: RegistryDeps,
  name: string,
  options: { consistent?: boolean } = {},
): Promise<ModelVersion[]> {
  const { pk, skPrefix } = versionsQuery(name);
  const items = await queryAll(deps, {
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix },
    ...(options.consistent ? { ConsistentRead: true } : {}),
  });
  return items.map((item) => ModelVersionSchema.parse(item));
}

/** Every model's head record, by name; `consistent` also sees a change made a moment ago. */
export async function listModels(
  deps: RegistryDeps,
  options: { consistent?: boolean } = {},
): Promise<ModelHead[]> {
  const items = await queryAll(deps, {
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': HEADS_PARTITION },
    ...(options.consistent ? { ConsistentRead: true } : {}),
  });
  return items.map((item) => ModelHeadSchema.parse(item));
}

export async function getHead(deps: RegistryDeps, name: string): Promise<ModelHead> {
  const head = await findHead(deps, name);
  if (head === undefined) throw new NotFoundError(`model '${name}' not found`);
  return head;
}

export async function findHead(deps: RegistryDeps, name: string): Promise<ModelHead | undefined> {
  const item = await getItem(deps, headKey(name));
  return item === undefined ? undefined : ModelHeadSchema.parse(item);
}

/** The head's routing fields a change rewrites; everything else in the head is left alone. */
export type HeadRouting = Pick<
  ModelHead,
  'stable' | 'canary' | 'canaryWeight' | 'previousStables' | 'retired'
>;

/**
 * Writes a routing change in one conditional update of the model's head: it applies only if the head
 * is still at the revision the change was planned from. Returns false when it was not (someone else
 * changed the model meanwhile), having changed nothing.
 */
export async function updateRouting(
  deps: RegistryDeps,
  name: string,
  seenRevision: number,
  next: HeadRouting,
  change: Change,
): Promise<boolean> {
  const set: Record<string, unknown> = {
    revision: change.revision,
    previousStables: next.previousStables,
    retired: next.retired,
    lastChange: change,
  };
  const remove: string[] = [];
  for (const field of ['stable', 'canary', 'canaryWeight'] as const) {
    if (next[field] === undefined) remove.push(field);
    else set[field] = next[field];
  }
  const names = Object.fromEntries([...Object.keys(set), ...remove].map((f) => [`#${f}`, f]));
  const values = Object.fromEntries(Object.entries(set).map(([f, v]) => [`:${f}`, v]));
  try {
    await deps.ddb.send(
      new UpdateCommand({
        TableName: deps.modelsTable,
        Key: headKey(name),
        UpdateExpression:
          `SET ${Object.keys(set)
            .map((f) => `#${f} = :${f}`)
            .join(', ')}` +
          (remove.length === 0 ? '' : ` REMOVE ${remove.map((f) => `#${f}`).join(', ')}`),
        // A head that never changed has no revision attribute yet: that is revision 0.
        ConditionExpression:
          seenRevision === 0
            ? 'attribute_exists(pk) AND attribute_not_exists(#revision)'
            : 'attribute_exists(pk) AND #revision = :seen',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: {
          ...values,
          ...(seenRevision === 0 ? {} : { ':seen': seenRevision }),
        },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/** Records a change in the model's history; writing the same revision twice is harmless. */
export async function putChange(deps: RegistryDeps, name: string, change: Change): Promise<void> {
  try {
    await putOnce(deps, changeKey(name, change.revision), change, () => undefined);
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}

/** The history entry of one revision, if it was written. */
export async function findChange(
  deps: RegistryDeps,
  name: string,
  revision: number,
): Promise<Change | undefined> {
  const item = await getItem(deps, changeKey(name, revision));
  return item === undefined ? undefined : ChangeSchema.parse(item);
}

/** A model's routing changes, newest first. */
export async function listChanges(
  deps: RegistryDeps,
  name: string,
  limit?: number,
): Promise<Change[]> {
  const { pk, skPrefix } = changesQuery(name);
  const items = await queryAll(
    deps,
    {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix },
      ScanIndexForward: false,
    },
    limit,
  );
  return items.map((item) => ChangeSchema.parse(item));
}

/** The version that claimed these bytes, if any push got that far. */
export async function findShaClaim(
  deps: RegistryDeps,
  name: string,
  sha256: string,
): Promise<number | undefined> {
  return (await getShaClaim(deps, name, sha256)).version;
}

/** The claim record of these bytes; one that was never written reads as claimed by no version. */
export async function getShaClaim(
  deps: RegistryDeps,
  name: string,
  sha256: string,
): Promise<ShaClaim> {
  return ShaClaimSchema.parse((await getItem(deps, shaClaimKey(name, sha256))) ?? {});
}

/** Claims a content hash for a version; returns the version that holds the claim (ours or an earlier one). */
export async function claimSha(
  deps: RegistryDeps,
  name: string,
  sha256: string,
  version: number,
): Promise<number> {
  try {
    // An update, not a put: the record may already exist, pinned by this push, with no version yet.
    await deps.ddb.send(
      new UpdateCommand({
        TableName: deps.modelsTable,
        Key: shaClaimKey(name, sha256),
        UpdateExpression: 'SET version = :version',
        ConditionExpression: 'attribute_not_exists(version)',
        ExpressionAttributeValues: { ':version': version },
      }),
    );
    return version;
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    const holder = await findShaClaim(deps, name, sha256);
    if (holder === undefined) throw error; // a claim cannot disappear; surface the oddity
    return holder;
  }
}

/**
 * Moves a content claim to a new version (from a retired one, or from the number of a push that stopped
 * before its record, once newer numbers were taken), if it still points where the caller saw it;
 * returns the version that holds the claim afterwards (ours, or a racing push's).
 */
export async function moveShaClaim(
  deps: RegistryDeps,
  name: string,
  sha256: string,
  from: number,
  to: number,
): Promise<number> {
  try {
    await deps.ddb.send(
      new UpdateCommand({
        TableName: deps.modelsTable,
        Key: shaClaimKey(name, sha256),
        UpdateExpression: 'SET version = :to',
        ConditionExpression: 'version = :from',
        ExpressionAttributeValues: { ':from': from, ':to': to },
      }),
    );
    return to;
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    const holder = await findShaClaim(deps, name, sha256);
    if (holder === undefined) throw error;
    return holder;
  }
}

/**
 * A gc lease older than this belongs to a gc that stopped: a push or another gc may take it over. One
 * lease covers a few reads and one delete, so a live gc never holds one nearly this long.
 */
export const LEASE_STALE_MS = 15 * 60_000;

/**
 * Records that a push is storing these bytes, unless a gc holds a live lease on them. Returns the
 * claim's `collections` count at that moment, or the lease in the way.
 */
export async function pinBytes(
  deps: RegistryDeps,
  name: string,
  sha256: string,
  at: Date,
): Promise<{ pinned: true; collections: number } | { pinned: false; claim: ShaClaim }> {
  try {
    const out = await deps.ddb.send(
      new UpdateCommand({
        TableName: deps.modelsTable,
        Key: shaClaimKey(name, sha256),
        UpdateExpression:
          'SET pinnedAt = :at, collections = if_not_exists(collections, :zero) REMOVE leaseId, leasedAt',
        ConditionExpression: 'attribute_not_exists(leaseId) OR leasedAt < :stale',
        ExpressionAttributeValues: {
          ':at': at.toISOString(),
          ':zero': 0,
          ':stale': new Date(at.getTime() - LEASE_STALE_MS).toISOString(),
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return { pinned: true, collections: ShaClaimSchema.parse(out.Attributes).collections };
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    return { pinned: false, claim: await getShaClaim(deps, name, sha256) };
  }
}

/**
 * Takes gc's lease on these bytes, so no push stores them until it is released, unless a push pinned
 * them after `pinnedBefore` or another gc holds a live lease. Returns the claim in the way when refused.
 */
export async function leaseBytes(
  deps: RegistryDeps,
  name: string,
  sha256: string,
  lease: { id: string; at: Date; pinnedBefore: Date },
): Promise<{ leased: true } | { leased: false; claim: ShaClaim }> {
  try {
    await deps.ddb.send(
      new UpdateCommand({
        TableName: deps.modelsTable,
        Key: shaClaimKey(name, sha256),
        UpdateExpression: 'SET leaseId = :id, leasedAt = :at ADD collections :one',
        ConditionExpression:
          '(attribute_not_exists(leaseId) OR leasedAt < :stale) AND ' +
          '(attribute_not_exists(pinnedAt) OR pinnedAt < :pinnedBefore)',
        ExpressionAttributeValues: {
          ':id': lease.id,
          ':at': lease.at.toISOString(),
          ':one': 1,
          ':stale': new Date(lease.at.getTime() - LEASE_STALE_MS).toISOString(),
          ':pinnedBefore': lease.pinnedBefore.toISOString(),
        },
      }),
    );
    return { leased: true };
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    const claim = await getShaClaim(deps, name, sha256);
    // The SDK retries a write whose response was lost; the retry then finds the lease this call took.
    // Lease ids are random, so no other gc holds this one.
    if (claim.leaseId === lease.id) return { leased: true };
    return { leased: false, claim };
  }
}

/** Releases gc's lease, if it is still this one. */
export async function releaseLease(
  deps: RegistryDeps,
  name: string,
  sha256: string,
  id: string,
): Promise<void> {
  try {
    await deps.ddb.send(
      new UpdateCommand({
        TableName: deps.modelsTable,
        Key: shaClaimKey(name, sha256),
        UpdateExpression: 'REMOVE leaseId, leasedAt',
        ConditionExpression: 'leaseId = :id',
        ExpressionAttributeValues: { ':id': id },
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}

async function putOnce(
  deps: RegistryDeps,
  key: TableKey,
  attributes: object,
  conflict: () => Error | undefined,
): Promise<void> {
  try {
    await deps.ddb.send(
      new PutCommand({
        TableName: deps.modelsTable,
        Item: { ...attributes, ...key },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  } catch (error) {
    throw (error instanceof ConditionalCheckFailedException ? conflict() : undefined) ?? error;
  }
}

async function getItem(
  deps: RegistryDeps,
  key: TableKey,
): Promise<Record<string, unknown> | undefined> {
  const out = await deps.ddb.send(
    new GetCommand({ TableName: deps.modelsTable, Key: key, ConsistentRead: true }),
  );
  return out.Item;
}

async function queryAll(
  deps: RegistryDeps,
  input: Omit<QueryCommandInput, 'TableName'>,
  limit = Number.POSITIVE_INFINITY,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await deps.ddb.send(
      new QueryCommand({
        ...input,
        TableName: deps.modelsTable,
        ExclusiveStartKey: start,
        ...(Number.isFinite(limit) ? { Limit: limit - items.length } : {}),
      }),
    );
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start !== undefined && items.length < limit);
  return items;
}
