import { readFileSync } from 'node:fs';
import { type CommandDef, defineCommand, renderUsage, runCommand } from 'citty';
import { describeFailure, type Io, setIo } from './output.js';

const { version } = JSON.parse(
  readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
) as {
  version: string;
};

export const mainCommand = defineCommand({
  meta: { name: 'maas', version, description: 'Operate maas: models, versions and API keys' },
  subCommands: {
    models: () => import('./commands/models.js').then((m) => m.modelsCommand),
    keys: () => import('./commands/keys.js').then((m) => m.keysCommand),
    gc: () => import('./commands/gc.js').then((m) => m.gcCommand),
  },
});

/**
 * Runs the CLI and returns its exit code: 0 on success, 1 when the operation failed, 2 when it was
 * called wrongly. Failures print one line on stderr; `MAAS_DEBUG=1` adds the stack.
 */
export async function runCli(argv: readonly string[], io?: Io): Promise<number> {
  if (io !== undefined) setIo(io);
  const rawArgs = [...argv];
  try {
    if (rawArgs.includes('--help') || rawArgs.includes('-h') || rawArgs.length === 0) {
      const usage = await renderUsage(...(await resolveForUsage(mainCommand, rawArgs)));
      (io ?? process).stdout.write(`${usage}\n`);
      return rawArgs.length === 0 ? 2 : 0;
    }
    if (rawArgs.length === 1 && (rawArgs[0] === '--version' || rawArgs[0] === '-v')) {
      (io ?? process).stdout.write(`${version}\n`);
      return 0;
    }
    await runCommand(mainCommand, { rawArgs });
    return 0;
  } catch (error) {
    const { message, code } = describeFailure(error);
    const stderr = (io ?? process).stderr;
    stderr.write(`maas: ${message}\n`);
    if (process.env.MAAS_DEBUG && error instanceof Error) stderr.write(`${error.stack}\n`);
    return code;
  }
}

/**
 * Finds the deepest command the arguments name, so `maas models push --help` shows push's usage,
 * titled with its full path.
 */
async function resolveForUsage(
  command: CommandDef,
  rawArgs: readonly string[],
  path: readonly string[] = ['maas'],
): Promise<[CommandDef, CommandDef?]> {
  const subs =
    typeof command.subCommands === 'function'
      ? await command.subCommands()
      : await command.subCommands;
  const index = rawArgs.findIndex((a) => !a.startsWith('-'));
  const name = rawArgs[index];
  const loader = name === undefined ? undefined : subs?.[name];
  if (loader === undefined || name === undefined) {
    return path.length === 1
      ? [command]
      : [command, { meta: { name: path.slice(0, -1).join(' ') } }];
  }
  const sub = (typeof loader === 'function' ? await loader() : await loader) as CommandDef;
  return resolveForUsage(sub, rawArgs.slice(index + 1), [...path, name]);
}
