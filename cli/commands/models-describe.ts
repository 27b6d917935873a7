import { defineCommand } from 'citty';
import { parseVersion } from '../../core/models/names.js';
import { getHead, getVersion, listVersions } from '../../core/models/registry.js';
import type { ModelVersion, TensorSpec } from '../../core/models/schemas.js';
import { strictArgs, targetArgs } from '../args.js';
import { formatBytes, printFields, printJson, printLine, printTable } from '../output.js';
import { withTarget } from '../target.js';

export const modelsDescribeCommand = defineCommand({
  meta: {
    name: 'describe',
    description: 'Show a model and its versions, or one version in detail',
  },
  plugins: [strictArgs],
  args: {
    name: { type: 'positional', description: 'Model name', required: true },
    version: { type: 'string', description: 'Show this version in detail', valueHint: 'N' },
    ...targetArgs,
  },
  async run({ args }) {
    await withTarget(args, async (target) => {
      if (args.version !== undefined) {
        const version = await getVersion(target.deps, args.name, parseVersion(args.version));
        return args.json ? printJson(version) : printVersion(version);
      }
      const [head, versions] = await Promise.all([
        getHead(target.deps, args.name),
        listVersions(target.deps, args.name),
      ]);
      if (args.json) return printJson({ ...head, versions });
      printFields({ name: head.name, created: head.createdAt, versions: versions.length });
      printLine();
      printTable(versions.toReversed(), {
        version: (v) => String(v.version),
        status: (v) => v.status,
        size: (v) => formatBytes(v.size),
        sha256: (v) => v.sha256.slice(0, 12),
        created: (v) => v.createdAt,
        by: (v) => v.createdBy,
        description: (v) => v.description ?? '',
      });
    });
  },
});

function printVersion(v: ModelVersion): void {
  printFields({
    name: v.name,
    version: v.version,
    status: v.status,
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
