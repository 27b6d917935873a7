import { getHead, listVersions, type RegistryDeps } from './registry.js';
import { type ModelHead, type ModelVersion, statusOf, type VersionStatus } from './schemas.js';

/** A version as operators see it: its record, whether it serves, and its part in the routing. */
export interface VersionView extends ModelVersion {
  readonly status: VersionStatus;
  readonly role?: 'stable' | 'canary';
  readonly retiredAt?: string;
  /** When a retired version's bytes may be removed by `maas gc`. */
  readonly bytesKeptUntil?: string;
}

export interface ModelView {
  readonly head: ModelHead;
  /** Oldest first. */
  readonly versions: readonly VersionView[];
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** A model's routing and versions for `maas models describe`. */
export async function describeModel(
  deps: RegistryDeps,
  name: string,
  options: { retiredRetentionDays: number },
): Promise<ModelView> {
  const head = await getHead(deps, name);
  const versions = await listVersions(deps, name);
  return { head, versions: versions.map((v) => viewOf(head, v, options.retiredRetentionDays)) };
}

export function viewOf(head: ModelHead, version: ModelVersion, retentionDays: number): VersionView {
  const role =
    head.stable === version.version
      ? 'stable'
      : head.canary === version.version
        ? 'canary'
        : undefined;
  const retirement = head.retired[String(version.version)];
  return {
    ...version,
    status: statusOf(head, version.version),
    ...(role === undefined ? {} : { role }),
    ...(retirement === undefined
      ? {}
      : {
          retiredAt: retirement.at,
          bytesKeptUntil: new Date(
            Date.parse(retirement.at) + retentionDays * DAY_MS,
          ).toISOString(),
        }),
  };
}
