import { defineCommand } from 'citty';
import { checkKeyName, revokeKey } from '../../core/auth/api-keys.js';
import { checkArg, strictArgs, targetArgs } from '../args.js';
import { printJson, printLine } from '../output.js';
import { withTarget } from '../target.js';

export const keysRevokeCommand = defineCommand({
  meta: { name: 'revoke', description: 'Revoke an API key for good' },
  plugins: [strictArgs],
  args: {
    name: { type: 'positional', description: 'Key name', required: true },
    ...targetArgs,
  },
  async run({ args }) {
    const name = checkArg(checkKeyName, args.name);
    await withTarget(args, async (target) => {
      const key = await revokeKey(target.deps, {
        name,
        revokedBy: await target.identity(),
      });
      if (args.json) return printJson(key);
      // Gateways and servers cache accepted keys briefly; say how long the key may still work.
      printLine(
        `revoked API key '${key.name}'; requests with it are refused once cached answers expire (the key cache TTL)`,
      );
    });
  },
});
