import { defineCommand } from 'citty';
import { checkModelName } from '../../core/models/names.js';
import { rollback } from '../../core/models/routing.js';
import { changeArgs, checkArg, integerFlag, strictArgs, targetArgs } from '../args.js';
import { reportChange } from '../changes.js';
import { withTarget } from '../target.js';

export const modelsRollbackCommand = defineCommand({
  meta: {
    name: 'rollback',
    description: 'Make the previous stable version stable again (ends any canary)',
  },
  plugins: [strictArgs],
  args: {
    name: { type: 'positional', description: 'Model name', required: true },
    ...changeArgs,
    ...targetArgs,
  },
  async run({ args }) {
    const name = checkArg(checkModelName, args.name);
    const expectedRevision = integerFlag(args.revision, 'revision');
    await withTarget(args, async (target) => {
      const change = await rollback(target.deps, {
        name,
        by: await target.identity(),
        reason: args.reason,
        expectedRevision,
      });
      reportChange(name, change, args.json, 'already rolled back');
    });
  },
});
