import { defineCommand } from 'citty';
import { checkModelName, parseVersion } from '../../core/models/names.js';
import { checkCanaryWeight, clearCanary, startCanary } from '../../core/models/routing.js';
import { changeArgs, checkArg, integerFlag, strictArgs, targetArgs } from '../args.js';
import { reportChange } from '../changes.js';
import { UsageError } from '../errors.js';
import { withTarget } from '../target.js';

export const modelsCanaryCommand = defineCommand({
  meta: {
    name: 'canary',
    description:
      'Send a share of unversioned traffic to a version; --clear (or --weight 0) ends it',
  },
  plugins: [strictArgs],
  args: {
    name: { type: 'positional', description: 'Model name', required: true },
    version: {
      type: 'positional',
      description:
        'Canary version; optional with --clear or --weight 0, which then end the canary only if it is this version',
      required: false,
    },
    weight: {
      type: 'string',
      description: 'Percent of unversioned requests for the canary, 1-99; 0 ends it',
      valueHint: 'percent',
    },
    clear: { type: 'boolean', description: 'End the canary: all traffic to stable' },
    ...changeArgs,
    ...targetArgs,
  },
  async run({ args }) {
    const name = checkArg(checkModelName, args.name);
    const weight = integerFlag(args.weight, 'weight');
    const clearing = args.clear === true || weight === 0;
    if (!clearing && (args.version === undefined || weight === undefined)) {
      throw new UsageError('give a version and --weight <1-99>, or --clear to end the canary');
    }
    if (args.clear === true && weight !== undefined && weight !== 0) {
      throw new UsageError('--clear ends the canary; it takes no --weight');
    }
    const version = args.version === undefined ? undefined : checkArg(parseVersion, args.version);
    if (!clearing) checkArg(checkCanaryWeight, weight as number);
    const expectedRevision = integerFlag(args.revision, 'revision');
    await withTarget(args, async (target) => {
      const input = { name, by: await target.identity(), reason: args.reason, expectedRevision };
      if (clearing)
        return reportChange(
          name,
          await clearCanary(target.deps, { ...input, version }),
          args.json,
          'no canary is running',
        );
      const change = await startCanary(target.deps, {
        ...input,
        version: version as number,
        weight: weight as number,
      });
      reportChange(name, change, args.json, `version ${version} already gets ${weight}%`);
    });
  },
});
