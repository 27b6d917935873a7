import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface Started {
  readonly child: ChildProcess;
  readonly output: () => string;
}

/** Runs a TypeScript entry point of this repository in a child process, through tsx. */
export function spawnTs(
  entry: string,
  args: readonly string[],
  env: Record<string, string>,
): Started {
  const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], {
    cwd: ROOT,
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  return { child, output: () => text };
}

/** Resolves with the first match of `pattern` in the output, or rejects when the process ends or time runs out. */
export function waitForOutput(
  started: Started,
  pattern: RegExp,
  timeoutMs = 60_000,
): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      const match = pattern.exec(started.output());
      if (match !== null) {
        finish();
        resolve(match);
      }
    }, 50);
    const timeout = setTimeout(() => {
      finish();
      reject(new Error(`timed out waiting for ${pattern}; output so far:\n${started.output()}`));
    }, timeoutMs);
    const onExit = (code: number | null) => {
      finish();
      reject(new Error(`process exited (${code}) before ${pattern}; output:\n${started.output()}`));
    };
    started.child.once('exit', onExit);
    function finish() {
      clearInterval(timer);
      clearTimeout(timeout);
      started.child.off('exit', onExit);
    }
  });
}

/** Resolves with the exit code once the process has ended. */
export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Runs a command to completion and returns its exit code and output. */
export async function runTs(
  entry: string,
  args: readonly string[],
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  const started = spawnTs(entry, args, env);
  const code = await exited(started.child);
  return { code, output: started.output() };
}
