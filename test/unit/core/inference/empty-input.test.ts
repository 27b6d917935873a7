import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { ROOT, runTs } from '../../../helpers/processes.js';

describe('infer with an empty input tensor', () => {
  it('refuses Silero VAD inputs with a dimension of 0 with 400 before onnxruntime runs them', async () => {
    // Act: in a process of its own, because onnxruntime's LSTM aborts natively on such inputs, which
    // no try/catch can stop: had the model run, the probe would die (SIGABRT) instead of printing.
    const { code, output } = await runTs(
      join(ROOT, 'test', 'helpers', 'empty-input-probe.ts'),
      [],
      {},
    );
    // Assess
    expect(`exit ${code}: ${output.trim()}`).toMatch(/^exit 0: /);
    expect(JSON.parse(output.trim().split('\n').at(-1) ?? 'null')).toEqual({
      status: 400,
      error: expect.stringMatching(/^input 'input': shape \[0,512\] .*empty tensor/),
    });
  }, 30_000);
});
