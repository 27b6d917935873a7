import { ConflictError } from '../oip/errors.js';
import { listModels, type RegistryDeps } from './registry.js';
import { clearCanary } from './routing.js';

/** One model's canary and stable error rates over the alarm's window, as fractions of requests. */
export interface CanaryHealth {
  readonly canaryRequests: number;
  readonly canaryErrorRate: number;
  readonly stableErrorRate: number;
}

export interface AutoRollbackInput {
  /** The alarm that fired: recorded as who ended the canary. */
  readonly alarmName: string;
  /** The alarm's own explanation, recorded as why. */
  readonly reason: string;
  /** Percentage points by which a canary's error rate may exceed stable's. */
  readonly marginPct: number;
  /**
   * Per-model error rates, to end only the canaries that are failing. When it cannot answer (no
   * data, or the metrics store unreachable) every running canary is ended: stable is untouched, so
   * ending an innocent canary costs a re-run, while keeping a failing one costs users.
   */
  readonly health?: (models: readonly string[]) => Promise<ReadonlyMap<string, CanaryHealth>>;
}

export interface AutoRollbackResult {
  readonly ended: readonly { name: string; version: number }[];
  readonly kept: readonly string[];
  /** Why per-model health was not used, when it was not. */
  readonly healthUnavailable?: string;
}

/**
 * Ends failing canaries when the canary error-rate alarm fires: weight 0, stable untouched, recorded
 * in each model's history with the alarm as who and its reason as why.
 */
export async function endFailingCanaries(
  deps: RegistryDeps,
  input: AutoRollbackInput,
): Promise<AutoRollbackResult> {
  // Consistent: each canary is ended only if its head is still at the revision read here, so a
  // stale read would keep a failing canary.
  const running = (await listModels(deps, { consistent: true })).filter(
    (head) => head.canary !== undefined,
  );
  if (running.length === 0) return { ended: [], kept: [] };

  let health: ReadonlyMap<string, CanaryHealth> | undefined;
  let healthUnavailable: string | undefined;
  try {
    health = await input.health?.(running.map((head) => head.name));
  } catch (error) {
    healthUnavailable = `${(error as Error).name}: ${(error as Error).message}`;
  }

  const ended: { name: string; version: number }[] = [];
  const kept: string[] = [];
  for (const head of running) {
    const stats = health?.get(head.name);
    const failing =
      stats === undefined ||
      (stats.canaryRequests > 0 &&
        (stats.canaryErrorRate - stats.stableErrorRate) * 100 > input.marginPct);
    if (!failing) {
      kept.push(head.name);
      continue;
    }
    try {
      // Only the canary judged, at the revision judged: one an operator started since is theirs (a
      // conflict, below), even when it runs the same version again.
      const change = await clearCanary(deps, {
        name: head.name,
        version: head.canary,
        expectedRevision: head.revision,
        by: `alarm:${input.alarmName}`,
        reason: input.reason,
      });
      if (change !== undefined) ended.push({ name: head.name, version: head.canary as number });
    } catch (error) {
      // An operator changed the model meanwhile (ended, restarted or reweighted the canary, or
      // anything else): their decision stands, and it is theirs to review.
      if (!(error instanceof ConflictError)) throw error;
      kept.push(head.name);
    }
  }
  return { ended, kept, ...(healthUnavailable === undefined ? {} : { healthUnavailable }) };
}
