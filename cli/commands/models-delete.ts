import { defineCommand } from 'citty';
import { parseVersion } from '../../core/models/names.js';
import { retireVersion } from '../../core/models/routing.js';
import { changeArgs, integerFlag, strictArgs, targetArgs } from '../args.js';
import { reportChange } from '../changes.js';
import { printLine } from '../output.js';
import { withTarget } from '../target.js';

export const modelsDeleteCommand = defineCommand({
  meta: {
    name: 'delete',
    description:
      'Retire a version: never served again; its bytes are kept for the retention period',
  },
  plugins: [strictArgs],
  args: {
    name: { type: 'positional', description: 'Model name', required: true },
    version: { type: 'string', description: 'Version to retire', valueHint: 'N', required: true },
    ...changeArgs,
    ...targetArgs,
  },
  async run({ args }) {
    await withTarget(args, async (target) => {
      const version = parseVersion(args.version);
      const change = await retireVersion(target.deps, {
        name: args.name,
        version,
        by: await target.identity(),
        reason: args.reason,
        expectedRevision: integerFlag(args.revision, 'revision'),
      });
      reportChange(args.name, change, args.json, `version ${version} is already retired`);
      if (change !== undefined && !args.json) {
        printLine(
          `its bytes are kept ${target.config.retiredRetentionDays} days before \`maas gc\` may remove them`,
        );
      }
    });
  },
});
