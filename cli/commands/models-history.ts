import { defineCommand } from 'citty';
import { checkModelName } from '../../core/models/names.js';
import { describeChange, history } from '../../core/models/routing.js';
import { checkArg, integerFlag, strictArgs, targetArgs } from '../args.js';
import { printJson, printLine, printTable } from '../output.js';
import { withTarget } from '../target.js';

export const modelsHistoryCommand = defineCommand({
  meta: {
    name: 'history',
    description: 'Every routing change of a model, newest first: who, when, what, why',
  },
  plugins: [strictArgs],
  args: {
    name: { type: 'positional', description: 'Model name', required: true },
    limit: { type: 'string', description: 'Show at most this many changes', valueHint: 'N' },
    ...targetArgs,
  },
  async run({ args }) {
    const name = checkArg(checkModelName, args.name);
    const limit = integerFlag(args.limit, 'limit', 1);
    await withTarget(args, async (target) => {
      const changes = await history(target.deps, name, limit);
      if (args.json) return printJson(changes);
      if (changes.length === 0) return printLine(`${name}: no routing changes yet`);
      printTable(changes, {
        revision: (c) => String(c.revision),
        at: (c) => c.at,
        by: (c) => c.by,
        change: (c) => describeChange(c),
        reason: (c) => c.reason ?? '',
      });
    });
  },
});
