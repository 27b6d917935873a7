import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** What `npm start` publishes about the running local stack, for `maas --local` and scripts. */
export const LocalStateSchema = z.object({
  pid: z.number().int(),
  url: z.string(),
  region: z.string(),
  s3Endpoint: z.string(),
  dynamodbEndpoint: z.string(),
  modelBucket: z.string(),
  modelsTable: z.string(),
  keysTable: z.string(),
  apiKeyFile: z.string(),
});
export type LocalState = z.infer<typeof LocalStateSchema>;

/** The checkout maas runs from: `npm start` runs there, whatever folder it was typed in. */
const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * `$MAAS_HOME`, or `.maas` in the project: where the local stack keeps its data between runs. In the
 * project, not the current folder, so that `npx maas ... --local` from any folder of it finds the
 * stack `npm start` runs.
 */
export function maasHome(env: Readonly<Record<string, string | undefined>> = process.env): string {
  return env.MAAS_HOME ? resolve(env.MAAS_HOME) : join(PROJECT_ROOT, '.maas');
}

export const homePaths = (home: string) => ({
  data: join(home, 'data'),
  state: join(home, 'local.json'),
  apiKey: join(home, 'api-key'),
  lock: join(home, 'lock'),
});

export async function writeLocalState(home: string, state: LocalState): Promise<void> {
  await mkdir(home, { recursive: true });
  await writeFile(homePaths(home).state, `${JSON.stringify(state, null, 2)}\n`);
}

export async function clearLocalState(home: string): Promise<void> {
  await rm(homePaths(home).state, { force: true });
}

/** The running stack's state, or undefined when none is running from this home. */
export async function readLocalState(home: string): Promise<LocalState | undefined> {
  let text: string;
  try {
    text = await readFile(homePaths(home).state, 'utf8');
  } catch {
    return undefined;
  }
  const state = LocalStateSchema.safeParse(JSON.parse(text));
  // A state file left by a process that was killed describes nothing that is running.
  return state.success && isAlive(state.data.pid) ? state.data : undefined;
}

/** Writes a secret readable by its owner only. */
export async function writeSecret(path: string, secret: string): Promise<void> {
  await writeFile(path, `${secret}\n`, { mode: 0o600 });
  await chmod(path, 0o600); // the mode above is ignored when the file already existed
}

/**
 * Claims the home for this process: a file created only if it does not exist, holding the pid, so
 * that of two starts at once exactly one goes on (local.json is written only once the stack is up).
 * Returns the pid of a live process that holds it instead; a claim left by a process that died is
 * taken over.
 */
export async function claimHome(home: string): Promise<{ heldBy?: number }> {
  await mkdir(home, { recursive: true, mode: 0o700 });
  const path = homePaths(home).lock;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await writeFile(path, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      return {};
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) return { heldBy: pid };
    await rm(path, { force: true }); // its process is gone
  }
  throw new Error(`cannot claim ${path}: other processes keep taking it`);
}

/** Gives the home up, if this process holds it. */
export async function releaseHome(home: string): Promise<void> {
  const path = homePaths(home).lock;
  const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim());
  if (pid === process.pid) await rm(path, { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
