import { PassThrough } from 'node:stream';
import { runCli } from '../../cli/main.js';

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `maas <args>` in this process with captured output; `--local` reads $MAAS_HOME. */
export async function maas(...args: string[]): Promise<CliResult> {
  const capture = () => {
    const stream = new PassThrough();
    let text = '';
    stream.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    return { stream, text: () => text };
  };
  const out = capture();
  const err = capture();
  const code = await runCli(args, { stdout: out.stream, stderr: err.stream });
  return { code, stdout: out.text(), stderr: err.text() };
}
