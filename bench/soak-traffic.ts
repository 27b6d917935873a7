// The soak's traffic mix: several models, JSON and binary bodies, and requests that must be refused.
// Each request says which status it must get, so every answer is checked, not just counted.
import { identityModel } from '../tools/onnx-models.js';
import { type BenchModel, binaryBody, CONV, jsonBody, SILERO, TINY } from './models.js';

const IDENTITY_INT64: BenchModel = {
  name: 'id-int64',
  label: 'identity INT64',
  bytes: () => identityModel('INT64'),
  inputs: () => [
    {
      name: 'x',
      datatype: 'INT64',
      shape: [3],
      data: BigInt64Array.of(-(2n ** 63n), 2n ** 53n + 1n, 7n),
    },
  ],
};

export const SOAK_MODELS: readonly BenchModel[] = [TINY, SILERO, CONV, IDENTITY_INT64];

export interface SoakRequest {
  readonly label: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string | Buffer;
  readonly expect: number;
}

/** One round of the mix; connections cycle through it, so each round hits every case once. */
export function soakRequests(apiKey: string): SoakRequest[] {
  const auth = { authorization: `Bearer ${apiKey}` };
  const json = { ...auth, 'content-type': 'application/json' };
  const infer = (model: string) => `/v2/models/${model}/infer`;
  const binary = (model: BenchModel) => {
    const { body, headerLength } = binaryBody(model.inputs());
    return {
      body,
      headers: {
        ...auth,
        'content-type': 'application/octet-stream',
        'inference-header-content-length': String(headerLength),
      },
    };
  };
  const good: SoakRequest[] = [
    ...[TINY, SILERO, IDENTITY_INT64].map((m) => ({
      label: `${m.name} JSON`,
      path: infer(m.name),
      headers: json,
      body: jsonBody(m.inputs()),
      expect: 200,
    })),
    ...[TINY, SILERO, CONV].map((m) => ({
      label: `${m.name} binary`,
      path: infer(m.name),
      ...binary(m),
      expect: 200,
    })),
    {
      label: 'silero JSON again',
      path: infer(SILERO.name),
      headers: json,
      body: jsonBody(SILERO.inputs()),
      expect: 200,
    },
    {
      label: 'tiny pinned version',
      path: `/v2/models/${TINY.name}/versions/1/infer`,
      headers: json,
      body: jsonBody(TINY.inputs()),
      expect: 200,
    },
  ];
  const bad: SoakRequest[] = [
    {
      label: 'malformed JSON',
      path: infer(TINY.name),
      headers: json,
      body: '{"inputs": [',
      expect: 400,
    },
    {
      label: 'wrong datatype',
      path: infer(TINY.name),
      headers: json,
      body: jsonBody(TINY.inputs()).replaceAll('FP32', 'FP64'),
      expect: 400,
    },
    {
      label: 'unknown model',
      path: infer('no-such-model'),
      headers: json,
      body: jsonBody(TINY.inputs()),
      expect: 404,
    },
    {
      label: 'no key',
      path: infer(TINY.name),
      headers: { 'content-type': 'application/json' },
      body: jsonBody(TINY.inputs()),
      expect: 401,
    },
  ];
  return [...good, ...bad];
}
