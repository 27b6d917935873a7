// Run by test/unit/core/inference/empty-input.test.ts in a process of its own: sends Silero VAD inputs
// with a dimension of 0 through the real serving path (endpoints' infer, a real onnxruntime session),
// where onnxruntime's LSTM would abort the process natively, and prints the status that came back.
// A process that dies here prints nothing: the test sees its exit instead of a status.
import { infer, type ServingDeps } from '../../core/inference/endpoints.js';
import { createRunner, inspectModel } from '../../core/inference/runtime.js';
import { SessionCache } from '../../core/inference/sessions.js';
import type { ModelVersion } from '../../core/models/schemas.js';
import { OipError } from '../../core/oip/errors.js';
import { sileroBytes } from './models.js';

const bytes = sileroBytes();
const version: ModelVersion = {
  name: 'vad',
  version: 1,
  sha256: '0'.repeat(64),
  size: bytes.byteLength,
  objectKey: 'models/vad',
  signature: await inspectModel(bytes),
  createdAt: '',
  createdBy: '',
};
const routed = { version, role: 'stable' as const };
const deps = {
  registry: undefined,
  catalog: { routeNow: () => routed, route: async () => routed },
  sessions: new SessionCache({
    budgetBytes: bytes.byteLength,
    load: () => createRunner(bytes, { intraOpThreads: 1 }),
  }),
  limits: { maxElements: 1_000_000 },
} as unknown as ServingDeps;
// Loaded first, so what the request reaches is a model ready to run.
await deps.sessions.warm(version);

const result = await infer(deps, { keyName: 'probe', models: ['*'] }, { name: 'vad' }, () => ({
  request: {
    inputs: [
      { name: 'input', datatype: 'FP32', shape: [0, 512], data: [] },
      { name: 'state', datatype: 'FP32', shape: [2, 0, 128], data: [] },
      { name: 'sr', datatype: 'INT64', shape: [], data: [16000] },
    ],
  },
  binary: undefined,
})).then(
  () => ({ status: 200 }),
  (error: unknown) =>
    error instanceof OipError
      ? { status: error.status, error: error.message }
      : { status: 500, error: String(error) },
);
console.log(JSON.stringify(result));
