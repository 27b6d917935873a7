import { type ArgsDef, defineCittyPlugin } from 'citty';
import { UsageError } from './errors.js';

/** Flags every command that talks to a maas shares. */
export const targetArgs = {
  local: {
    type: 'boolean',
    description: 'Use the local stack that `npm start` runs (from $MAAS_HOME/local.json)',
  },
  stack: {
    type: 'string',
    description: 'AWS: prefix of the deployed stacks (default Maas)',
    valueHint: 'prefix',
  },
  region: { type: 'string', description: 'AWS: region (default from the AWS environment)' },
  profile: { type: 'string', description: 'AWS: named profile (default from the AWS environment)' },
  json: { type: 'boolean', description: 'Print machine-readable JSON' },
} as const satisfies ArgsDef;

export interface TargetArgs {
  readonly local?: boolean | undefined;
  readonly stack?: string | undefined;
  readonly region?: string | undefined;
  readonly profile?: string | undefined;
}

/**
 * citty accepts any flag; a mistyped one (`--jsn`) would be silently ignored, so leaf commands use this
 * plugin to refuse flags they do not define.
 */
export const strictArgs = defineCittyPlugin({
  name: 'strict-args',
  async setup({ rawArgs, cmd }) {
    const defs = (typeof cmd.args === 'function' ? await cmd.args() : await cmd.args) ?? {};
    const known = new Set(['help', 'h']);
    for (const [name, def] of Object.entries(defs as ArgsDef)) {
      known.add(name);
      if ('alias' in def) for (const alias of [def.alias ?? []].flat()) known.add(alias);
    }
    for (const raw of rawArgs) {
      if (raw === '--') break;
      const match = /^--?(?:no-)?([^=]+)/.exec(raw);
      if (match?.[1] !== undefined && !/^-\d/.test(raw) && !known.has(match[1])) {
        throw new UsageError(`unknown option ${raw.split('=')[0]} (see --help)`);
      }
    }
  },
});

/** Flags every routing change takes. */
export const changeArgs = {
  reason: { type: 'string', description: 'Why: recorded in the model history', valueHint: 'text' },
  revision: {
    type: 'string',
    description: 'Only change if the model is still at this revision (from `describe`)',
    valueHint: 'N',
  },
} as const satisfies ArgsDef;

/** Parses a whole number flag, or says which flag was wrong. */
export function integerFlag(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,9}$/.test(value))
    throw new UsageError(`--${flag} takes a whole number, not '${value}'`);
  return Number(value);
}
