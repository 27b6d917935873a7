import { defineCommand } from 'citty';
import { listKeys } from '../../core/auth/api-keys.js';
import { strictArgs, targetArgs } from '../args.js';
import { printJson, printLine, printTable } from '../output.js';
import { withTarget } from '../target.js';

export const keysListCommand = defineCommand({
  meta: { name: 'list', description: 'List API keys (names and scopes, never secrets)' },
  plugins: [strictArgs],
  args: { ...targetArgs },
  async run({ args }) {
    await withTarget(args, async (target) => {
      const keys = await listKeys(target.deps);
      if (args.json) return printJson(keys);
      if (keys.length === 0)
        return printLine('no API keys yet: create one with `maas keys create <name>`');
      printTable(keys, {
        name: (k) => k.name,
        models: (k) => k.models.join(','),
        status: (k) => (k.revokedAt === undefined ? 'active' : `revoked ${k.revokedAt}`),
        created: (k) => k.createdAt,
        by: (k) => k.createdBy,
      });
    });
  },
});
