import { defineCommand } from 'citty';
import { checkModelName, parseVersion } from '../../core/models/names.js';
import { retireVersion } from '../../core/models/routing.js';
import { changeArgs, checkArg, integerFlag, strictArgs, targetArgs } from '../args.js';
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
    const name = checkArg(checkModelName, args.name);
    const version = checkArg(parseVersion, args.version);
    const expectedRevision = integerFlag(args.revision, 'revision');
    await withTarget(args, async (target) => {
      const change = await retireVersion(target.deps, {
        name,
        version,
        by: await target.identity(),
        reason: args.reason,
        expectedRevision,
      });
      reportChange(name, change, args.json, `version ${version} is already retired`);
      if (change !== undefined && !args.json) {
        printLine(
          `its bytes are kept ${target.config.retiredRetentionDays} days before \`maas gc\` may remove them`,
        );
      }
    });
  },
});
