import { isDeepStrictEqual } from 'node:util';
import { ConflictError, InvalidInputError, NotFoundError } from '../oip/errors.js';
import { checkModelName, parseVersion } from './names.js';
import {
  findChange,
  findVersion,
  getHead,
  type HeadRouting,
  listChanges,
  putChange,
  type RegistryDeps,
  updateRouting,
} from './registry.js';
import {
  type Change,
  ChangeSchema,
  type ModelHead,
  type ModelVersion,
  type Routing,
  statusOf,
} from './schemas.js';

/** Who asks for a change and why; `expectedRevision` pins it to the state the operator saw. */
export interface ChangeInput {
  readonly name: string;
  readonly by: string;
  readonly reason?: string | undefined;
  /** Refuse the change unless the model is still at this revision (as `maas models describe` showed it). */
  readonly expectedRevision?: number | undefined;
  readonly now?: Date;
}

/** How many earlier stable versions `rollback` can walk back through. */
const ROLLBACK_DEPTH = 20;

/**
 * Makes a version the model's stable one; any canary ends. Returns undefined when it already was.
 * @example await promote(deps, { name: 'vad', version: 3, by: 'alice' })
 */
export function promote(
  deps: RegistryDeps,
  input: ChangeInput & { version: number },
): Promise<Change | undefined> {
  return applyChange(deps, input, 'promote', input.version, async (head) => {
    await requireServable(deps, head, input.version);
    if (head.stable === input.version && head.canary === undefined) return undefined;
    const previous =
      head.stable === undefined || head.stable === input.version ? [] : [head.stable];
    return {
      ...head,
      stable: input.version,
      canary: undefined,
      canaryWeight: undefined,
      previousStables: [...head.previousStables, ...previous].slice(-ROLLBACK_DEPTH),
    };
  });
}

/** Sends `weight` percent of unversioned traffic to `version`, the rest to stable. */
export function startCanary(
  deps: RegistryDeps,
  input: ChangeInput & { version: number; weight: number },
): Promise<Change | undefined> {
  return applyChange(deps, input, 'canary', input.version, async (head) => {
    checkCanaryWeight(input.weight);
    if (head.stable === undefined) {
      throw new ConflictError(
        `model '${head.name}' has no stable version for the canary to share traffic with: promote one first`,
      );
    }
    if (head.stable === input.version) {
      throw new ConflictError(
        `version ${input.version} is already the stable version of '${head.name}'`,
      );
    }
    await requireServable(deps, head, input.version);
    if (head.canary === input.version && head.canaryWeight === input.weight) return undefined;
    return { ...head, canary: input.version, canaryWeight: input.weight };
  });
}

/** Returns the weight when it is a canary's share of traffic, or explains the range. */
export function checkCanaryWeight(weight: number): number {
  if (!Number.isInteger(weight) || weight < 1 || weight > 99) {
    throw new InvalidInputError(
      `canary weight must be a whole percent from 1 to 99 (0 ends the canary), not ${weight}`,
    );
  }
  return weight;
}

/**
 * Ends the canary: all unversioned traffic goes to stable. Returns undefined when there was none. With
 * `version`, ends it only if that version is the canary: an operator naming one canary must not end
 * another one without a word.
 */
export function clearCanary(
  deps: RegistryDeps,
  input: ChangeInput & { version?: number | undefined },
): Promise<Change | undefined> {
  return applyChange(deps, input, 'clear-canary', input.version, async (head) => {
    if (head.canary === undefined) return undefined;
    if (input.version !== undefined && input.version !== head.canary) {
      throw new ConflictError(
        `version ${input.version} is not the canary of '${head.name}' (canary ${head.canary} gets ${head.canaryWeight}%); nothing changed`,
      );
    }
    return { ...head, canary: undefined, canaryWeight: undefined };
  });
}

/** Makes the previous stable version stable again and ends any canary. */
export function rollback(deps: RegistryDeps, input: ChangeInput): Promise<Change | undefined> {
  return applyChange(deps, input, 'rollback', undefined, async (head) => {
    const target = rollbackTarget(head);
    if (target === undefined) {
      throw new ConflictError(`model '${head.name}' has no earlier stable version to roll back to`);
    }
    return {
      ...head,
      stable: target.version,
      canary: undefined,
      canaryWeight: undefined,
      previousStables: target.earlier,
    };
  });
}

/**
 * Where `rollback` takes the model: the newest earlier stable version that is neither retired (it
 * must never serve again) nor the current stable (going there would change nothing), with the earlier
 * ones still behind it. Undefined when there is nowhere to go.
 */
export function rollbackTarget(
  head: ModelHead,
): { readonly version: number; readonly earlier: number[] } | undefined {
  if (head.stable === undefined) return undefined;
  const candidates = head.previousStables.filter(
    (v) => v !== head.stable && statusOf(head, v) === 'ready',
  );
  const version = candidates.at(-1);
  return version === undefined ? undefined : { version, earlier: candidates.slice(0, -1) };
}

/**
 * Retires a version: it is never served again, and its bytes are kept for the retention period before
 * `maas gc` may remove them. Refused while the version is stable or canary.
 */
export function retireVersion(
  deps: RegistryDeps,
  input: ChangeInput & { version: number },
): Promise<Change | undefined> {
  return applyChange(deps, input, 'retire', input.version, async (head) => {
    const record = await findVersion(deps, head.name, input.version);
    if (record === undefined)
      throw new NotFoundError(`model '${head.name}' has no version ${input.version}`);
    if (statusOf(head, input.version) === 'retired') return undefined;
    for (const role of ['stable', 'canary'] as const) {
      if (head[role] === input.version) {
        throw new ConflictError(
          `version ${input.version} is the ${role} version of '${head.name}': ` +
            (role === 'stable'
              ? 'promote another version or roll back first'
              : 'end the canary first'),
        );
      }
    }
    const at = (input.now ?? new Date()).toISOString();
    const retirement = {
      at,
      by: input.by,
      ...(input.reason === undefined ? {} : { reason: input.reason }),
    };
    return { ...head, retired: { ...head.retired, [String(input.version)]: retirement } };
  });
}

/**
 * The model's routing changes, newest first. A change whose history entry was never written (the
 * process stopped between the two writes) is restored here from the head, so none is lost.
 */
export async function history(deps: RegistryDeps, name: string, limit?: number): Promise<Change[]> {
  const head = await getHead(deps, checkModelName(name));
  await recordLastChange(deps, head);
  return listChanges(deps, head.name, limit);
}

/** The routing state a change moves between. */
export function routingOf(head: Routing): Routing {
  const { stable, canary, canaryWeight } = head;
  return {
    ...(stable === undefined ? {} : { stable }),
    ...(canary === undefined ? {} : { canary, canaryWeight }),
  };
}

/**
 * Plans a change from the head as read, then writes it on the condition that the head is unchanged;
 * a lost race is a 409 saying what changed. The history entry follows the head write (see history()).
 * A write whose answer was lost is retried by the SDK, and when the first attempt was applied the retry
 * fails the condition on this very change: that is found in the model's record and reported as made.
 */
async function applyChange(
  deps: RegistryDeps,
  input: ChangeInput,
  action: Change['action'],
  version: number | undefined,
  plan: (head: ModelHead) => Promise<HeadRouting | undefined>,
): Promise<Change | undefined> {
  const head = await getHead(deps, checkModelName(input.name));
  if (version !== undefined) parseVersion(version);
  if (input.expectedRevision !== undefined && input.expectedRevision !== head.revision) {
    throw changedUnderneath(head, input.expectedRevision);
  }
  // The previous change's history entry must exist before the head forgets it.
  await recordLastChange(deps, head);
  const next = await plan(head);
  if (next === undefined) return undefined;
  const change: Change = {
    revision: head.revision + 1,
    at: (input.now ?? new Date()).toISOString(),
    by: input.by,
    action,
    ...(version === undefined ? {} : { version }),
    from: routingOf(head),
    to: routingOf(next),
    ...(input.reason === undefined || input.reason === '' ? {} : { reason: input.reason }),
  };
  if (!(await updateRouting(deps, head.name, head.revision, next, change))) {
    const latest = await getHead(deps, head.name);
    if (!(await landed(deps, latest, change))) throw changedUnderneath(latest, head.revision);
  }
  await putChange(deps, head.name, change);
  return change;
}

/**
 * Whether `change` itself is in the model's record: as the head's last change, or, once another change
 * followed, as its history entry (applyChange writes that entry before it moves the head on). Every
 * field must match, `at` included, so the same request sent twice by the same operator is still two
 * changes, and the one that lost is told so.
 */
async function landed(deps: RegistryDeps, head: ModelHead, change: Change): Promise<boolean> {
  if (head.revision < change.revision) return false;
  const recorded =
    head.revision === change.revision
      ? head.lastChange
      : await findChange(deps, head.name, change.revision);
  // Ours through the schema too, as the record was read, so both have the same shape.
  return recorded !== undefined && isDeepStrictEqual(recorded, ChangeSchema.parse(change));
}

async function recordLastChange(deps: RegistryDeps, head: ModelHead): Promise<void> {
  if (head.lastChange !== undefined) await putChange(deps, head.name, head.lastChange);
}

async function requireServable(
  deps: RegistryDeps,
  head: ModelHead,
  version: number,
): Promise<ModelVersion> {
  const record = await findVersion(deps, head.name, version);
  if (record === undefined)
    throw new NotFoundError(`model '${head.name}' has no version ${version}`);
  if (statusOf(head, version) === 'retired') {
    throw new ConflictError(
      `version ${version} of '${head.name}' is retired and cannot serve again`,
    );
  }
  return record;
}

function changedUnderneath(head: ModelHead, seen: number): ConflictError {
  const last = head.lastChange;
  const what =
    last === undefined
      ? `it is at revision ${head.revision}`
      : `revision ${last.revision}: ${describeChange(last)} by ${last.by} at ${last.at}`;
  return new ConflictError(
    `model '${head.name}' changed since revision ${seen} (${what}); nothing was changed: check it and try again`,
  );
}

/** One line for a change, e.g. "promote 3 (stable 2 -> 3)". */
export function describeChange(change: Change): string {
  const state = (r: Routing) =>
    r.stable === undefined
      ? 'no stable'
      : `stable ${r.stable}${r.canary === undefined ? '' : `, canary ${r.canary} at ${r.canaryWeight}%`}`;
  return `${change.action}${change.version === undefined ? '' : ` ${change.version}`} (${state(change.from)} -> ${state(change.to)})`;
}
