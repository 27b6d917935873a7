import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { ROOT } from '../../../helpers/processes.js';

// onnxruntime-node's own telemetry leaves a file per process in /tmp unless it is turned off before it
// loads: maas's runtime does that, whatever the environment says.
describe("onnxruntime's telemetry", () => {
  it('leaves no file behind when maas opens a model', async () => {
    const script = `
      const { inspectModel } = await import('./core/inference/runtime.ts');
      const { readFileSync } = await import('node:fs');
      await inspectModel(readFileSync('node_modules/@ricky0123/vad-web/dist/silero_vad_v5.onnx'));`;
    const env = { ...process.env };
    delete env.ORT_DISABLE_TELEMETRY; // as a fresh process of the CLI or the local stack starts
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      {
        cwd: ROOT,
        env,
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(existsSync(`/tmp/mat-debug-${child.pid}.log`)).toBe(false);
  }, 30_000);
});
