import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** Silero VAD v5, a real model no one here wrote: inputs input FP32 [b, n], state FP32 [2, b, 128], sr INT64 []. */
export function sileroBytes(): Buffer {
  const pkg = dirname(require.resolve('@ricky0123/vad-web/package.json'));
  return readFileSync(join(pkg, 'dist', 'silero_vad_v5.onnx'));
}
