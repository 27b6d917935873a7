import { defineCommand } from 'citty';
import { checkModelName, parseVersion } from '../../core/models/names.js';
import { promote } from '../../core/models/routing.js';
import { changeArgs, checkArg, integerFlag, strictArgs, targetArgs } from '../args.js';
import { reportChange } from '../changes.js';
import { withTarget } from '../target.js';

export const modelsPromoteCommand = defineCommand({
  meta: { name: 'promote', description: "Make a version the model's stable one (ends any canary)" },
  plugins: [strictArgs],
  args: {
    name: { type: 'positional', description: 'Model name', required: true },
    version: { type: 'positional', description: 'Version to make stable', required: true },
    ...changeArgs,
    ...targetArgs,
  },
  async run({ args }) {
    const name = checkArg(checkModelName, args.name);
    const version = checkArg(parseVersion, args.version);
    const expectedRevision = integerFlag(args.revision, 'revision');
    await withTarget(args, async (target) => {
      const change = await promote(target.deps, {
        name,
        version,
        by: await target.identity(),
        reason: args.reason,
        expectedRevision,
      });
      reportChange(name, change, args.json, `version ${version} is already stable`);
    });
  },
});
