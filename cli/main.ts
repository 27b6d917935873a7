import { readFileSync } from 'node:fs';
import { stripVTControlCharacters } from 'node:util';
import { type CommandDef, defineCommand, renderUsage, runCommand } from 'citty';
import { UsageError } from './errors.js';
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
      const { command, path } = await resolveCommand(mainCommand, rawArgs);
      const parent =
        path.length === 1 ? undefined : { meta: { name: path.slice(0, -1).join(' ') } };
      const usage = await renderUsage(command, parent);
      const stdout = (io ?? process).stdout;
      stdout.write(`${stdout.isTTY ? usage : stripVTControlCharacters(usage)}\n`);
      return rawArgs.length === 0 ? 2 : 0;
    }
    if (rawArgs.length === 1 && (rawArgs[0] === '--version' || rawArgs[0] === '-v')) {
      (io ?? process).stdout.write(`${version}\n`);
      return 0;
    }
    await runCommand(mainCommand, { rawArgs });
    return 0;
  } catch (error) {
    const { message, code } = describeFailure(await withNextStep(error, rawArgs));
    const stderr = (io ?? process).stderr;
    // citty colours its text whatever the stream; escape codes only belong on a terminal.
    stderr.write(`maas: ${stderr.isTTY ? message : stripVTControlCharacters(message)}\n`);
    if (process.env.MAAS_DEBUG && error instanceof Error) stderr.write(`${error.stack}\n`);
    return code;
  }
}

/** citty's errors for a missing or unknown subcommand do not say what to do next; these do. */
async function withNextStep(error: unknown, rawArgs: readonly string[]): Promise<unknown> {
  const code = (error as { code?: unknown }).code;
  if (!(error instanceof Error) || error.name !== 'CLIError') return error;
  if (code !== 'E_NO_COMMAND' && code !== 'E_UNKNOWN_COMMAND') return error;
  const { command, path } = await resolveCommand(mainCommand, rawArgs);
  const help = `see \`${path.join(' ')} --help\``;
  if (code === 'E_UNKNOWN_COMMAND') return new UsageError(`${error.message} (${help})`);
  const names = Object.keys((await subCommandsOf(command)) ?? {});
  const list =
    names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;
  return new UsageError(`\`${path.join(' ')}\` needs a command: ${list} (${help})`);
}

/**
 * Finds the deepest command the arguments name, and its path (`maas models push`), so that
 * `maas models push --help` shows push's usage under its full name.
 */
async function resolveCommand(
  command: CommandDef,
  rawArgs: readonly string[],
  path: readonly string[] = ['maas'],
): Promise<{ command: CommandDef; path: readonly string[] }> {
  const subs = await subCommandsOf(command);
  const index = rawArgs.findIndex((a) => !a.startsWith('-'));
  const name = rawArgs[index];
  const loader = name === undefined ? undefined : subs?.[name];
  if (loader === undefined || name === undefined) return { command, path };
  const sub = (typeof loader === 'function' ? await loader() : await loader) as CommandDef;
  return resolveCommand(sub, rawArgs.slice(index + 1), [...path, name]);
}

async function subCommandsOf(command: CommandDef) {
  return typeof command.subCommands === 'function'
    ? await command.subCommands()
    : await command.subCommands;
}
