import { defineCommand } from 'citty';
import { checkKeyName, createKey } from '../../core/auth/api-keys.js';
import { checkModelName } from '../../core/models/names.js';
import { checkArg, strictArgs, targetArgs } from '../args.js';
import { UsageError } from '../errors.js';
import { printJson, printLine } from '../output.js';
import { withTarget } from '../target.js';

export const keysCreateCommand = defineCommand({
  meta: { name: 'create', description: 'Create an API key; its secret is printed this once' },
  plugins: [strictArgs],
  args: {
    name: { type: 'positional', description: 'Key name (who or what uses it)', required: true },
    models: {
      type: 'string',
      description: 'Comma-separated models it may use (leave it out for all models)',
      valueHint: 'a,b',
    },
    ...targetArgs,
  },
  async run({ args }) {
    const name = checkArg(checkKeyName, args.name);
    const models = args.models
      ?.split(',')
      .map((m) => m.trim())
      .filter((m) => m !== '');
    if (models?.length === 0) {
      throw new UsageError(
        '--models needs at least one model name (leave it out for a key to all models)',
      );
    }
    for (const model of models ?? []) checkArg(checkModelName, model);
    await withTarget(args, async (target) => {
      const { key, token } = await createKey(target.deps, {
        name,
        models,
        createdBy: await target.identity(),
      });
      if (args.json) return printJson({ ...key, token });
      printLine(token);
      printLine();
      printLine(
        `API key '${key.name}' for ${key.models.includes('*') ? 'all models' : key.models.join(', ')}.`,
      );
      printLine('Store it now: maas keeps only its hash and cannot show it again.');
      printLine(`Use it as: Authorization: Bearer <key>   (${target.url})`);
    });
  },
});
