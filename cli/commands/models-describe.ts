import { defineCommand } from 'citty';
import { describeModel, type VersionView, viewOf } from '../../core/models/describe.js';
import { checkModelName, parseVersion } from '../../core/models/names.js';
import { getVersion } from '../../core/models/registry.js';
import { rollbackTarget } from '../../core/models/routing.js';
import type { ModelHead, TensorSpec } from '../../core/models/schemas.js';
import { checkArg, strictArgs, targetArgs } from '../args.js';
import { formatBytes, printFields, printJson, printLine, printTable } from '../output.js';
import { withTarget } from '../target.js';

export const modelsDescribeCommand = defineCommand({
  meta: {
    name: 'describe',
    description: 'Show a model: routing (stable, canary) and versions, or one version in detail',
  },
  plugins: [strictArgs],
  args: {
    name: { type: 'positional', description: 'Model name', required: true },
    version: { type: 'string', description: 'Show this version in detail', valueHint: 'N' },
    ...targetArgs,
  },
  async run({ args }) {
    const name = checkArg(checkModelName, args.name);
    const version = args.version === undefined ? undefined : checkArg(parseVersion, args.version);
    await withTarget(args, async (target) => {
      const retention = { retiredRetentionDays: target.config.retiredRetentionDays };
      const model = await describeModel(target.deps, name, retention);
      if (version !== undefined) {
        const record = await getVersion(target.deps, name, version);
        const view = viewOf(model.head, record, retention.retiredRetentionDays);
        return args.json ? printJson(view) : printVersion(view);
      }
      const { head, versions } = model;
      if (args.json) return printJson({ ...head, versions });
      const rollback = rollbackTarget(head);
      printFields({
        name: head.name,
        created: head.createdAt,
        serving: routingLine(head, versions),
        revision: head.revision,
        rollback:
          rollback === undefined
            ? 'nowhere (no earlier stable version)'
            : `to version ${rollback.version}`,
      });
      printLine();
      printTable(versions.toReversed(), {
        version: (v) => String(v.version),
        status: (v) => v.role ?? v.status,
        size: (v) => formatBytes(v.size),
        sha256: (v) => v.sha256.slice(0, 12),
        created: (v) => v.createdAt,
        by: (v) => v.createdBy,
        description: (v) => v.description ?? '',
      });
    });
  },
});

/** What unversioned requests get, in words. */
export function routingLine(head: ModelHead, versions: readonly VersionView[]): string {
  if (head.stable === undefined) {
    const newest = versions.findLast((v) => v.status === 'ready');
    return newest === undefined
      ? 'nothing (no ready version)'
      : `newest version ${newest.version} (no stable version yet)`;
  }
  if (head.canary === undefined) return `stable ${head.stable} (100%)`;
  const weight = head.canaryWeight ?? 0;
  return `stable ${head.stable} (${100 - weight}%), canary ${head.canary} (${weight}%)`;
}

function printVersion(v: VersionView): void {
  printFields({
    name: v.name,
    version: v.version,
    status: v.role === undefined ? v.status : `${v.status} (${v.role})`,
    retired:
      v.retiredAt === undefined
        ? undefined
        : `${v.retiredAt}; bytes kept until ${v.bytesKeptUntil}`,
    size: formatBytes(v.size),
    sha256: v.sha256,
    created: v.createdAt,
    by: v.createdBy,
    description: v.description,
  });
  const shape = (s: TensorSpec) => `[${s.shape.join(', ')}]`;
  for (const [title, specs] of [
    ['inputs', v.signature.inputs],
    ['outputs', v.signature.outputs],
  ] as const) {
    printLine();
    printTable(specs, { [title]: (s) => s.name, datatype: (s) => s.datatype, shape });
  }
}
