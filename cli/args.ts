import { type ArgsDef, defineCittyPlugin } from 'citty';
import { InvalidInputError } from '../core/oip/errors.js';
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
 * plugin to refuse flags they do not define. It also refuses a string flag whose value is missing: citty
 * would take the next flag as the value (`--version --local` reads version "--local" and drops
 * --local, so the command would act on AWS instead of the local stack).
 */
export const strictArgs = defineCittyPlugin({
  name: 'strict-args',
  async setup({ rawArgs, cmd }) {
    const defs = (typeof cmd.args === 'function' ? await cmd.args() : await cmd.args) ?? {};
    const known = new Set(['help', 'h']);
    const takesValue = new Set<string>();
    for (const [name, def] of Object.entries(defs as ArgsDef)) {
      const names = [name, ...('alias' in def ? [def.alias ?? []].flat() : [])];
      for (const n of names) known.add(n);
      if (def.type === 'string') for (const n of names) takesValue.add(n);
    }
    for (let i = 0; i < rawArgs.length; i++) {
      const raw = rawArgs[i] as string;
      if (raw === '--') break;
      const match = /^--?(no-)?([^=]+)/.exec(raw);
      if (match?.[2] === undefined || /^-\d/.test(raw)) continue;
      if (!known.has(match[2]))
        throw new UsageError(`unknown option ${raw.split('=')[0]} (see --help)`);
      if (raw.includes('=') || match[1] !== undefined || !takesValue.has(match[2])) continue;
      const value = rawArgs[i + 1];
      if (value === undefined || value === '--') throw new UsageError(`${raw} needs a value`);
      if (value.startsWith('--')) {
        throw new UsageError(
          `${raw} needs a value, not the flag ${value.split('=')[0]} (write ${raw}=<value> for a value that starts with --)`,
        );
      }
      i++; // the value, which may start with '-' (a negative number), is not a flag
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

/** Parses a whole number flag, at least `min`, or says which flag was wrong. */
export function integerFlag(value: string | undefined, flag: string, min = 0): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,9}$/.test(value))
    throw new UsageError(`--${flag} takes a whole number, not '${value}'`);
  const number = Number(value);
  if (number < min) throw new UsageError(`--${flag} must be at least ${min}, not ${number}`);
  return number;
}

/**
 * Runs one of core's checks on an argument before anything is called: a refusal is then a usage
 * error (exit 2) in core's own words, and no store is asked. Core keeps the check for other callers.
 * @example const version = checkArg(parseVersion, args.version)
 */
export function checkArg<A, R>(check: (arg: A) => R, arg: A): R {
  try {
    return check(arg);
  } catch (error) {
    if (error instanceof InvalidInputError) throw new UsageError(error.message);
    throw error;
  }
}
