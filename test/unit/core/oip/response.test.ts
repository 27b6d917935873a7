import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { parseInferJson, parseInferJsonText } from '../../../../core/oip/json.js';
import { encodeInferResponse, leastEncodedBytes } from '../../../../core/oip/response.js';
import type { InferRequest } from '../../../../core/oip/schemas.js';

const y = { name: 'y', datatype: 'FP32' as const, shape: [2], data: Float32Array.from([1.5, -2]) };
const z = {
  name: 'z',
  datatype: 'INT64' as const,
  shape: [1],
  data: BigInt64Array.from([2n ** 62n]),
};

describe('encodeInferResponse', () => {
  it('writes the protocol JSON with the version as a string and the id echoed', () => {
    const { body, headers } = encodeInferResponse({
      modelName: 'm',
      modelVersion: 3,
      id: 'r1',
      parameters: { trace: 'on', binary_data_output: false },
      outputs: [y],
      binaryOutputs: new Set(),
    });
    expect(headers).toEqual({ 'content-type': 'application/json' });
    expect(typeof body).toBe('string'); // as API Gateway takes it, never decoded back from bytes
    expect(JSON.parse(body.toString())).toEqual({
      model_name: 'm',
      model_version: '3',
      id: 'r1',
      parameters: { trace: 'on' },
      outputs: [{ name: 'y', datatype: 'FP32', shape: [2], data: [1.5, -2] }],
    });
  });

  it('puts binary outputs after the JSON header and says where the header ends', () => {
    const { body, headers } = encodeInferResponse({
      modelName: 'm',
      modelVersion: 1,
      id: undefined,
      parameters: undefined,
      outputs: [y, z],
      binaryOutputs: new Set(['z']),
    });
    const length = Number(headers['inference-header-content-length']);
    expect(headers['content-type']).toBe('application/octet-stream');
    if (typeof body === 'string') throw new Error('a binary response must be bytes');
    const json = JSON.parse(body.subarray(0, length).toString());
    expect(json.outputs).toEqual([
      { name: 'y', datatype: 'FP32', shape: [2], data: [1.5, -2] },
      { name: 'z', datatype: 'INT64', shape: [1], parameters: { binary_data_size: 8 } },
    ]);
    expect(body.subarray(length).readBigInt64LE(0)).toBe(2n ** 62n);
    expect(body.byteLength).toBe(length + 8);
  });

  it('echoes request parameters as the JSON values they were sent as, whatever else the body holds', () => {
    // Integers beyond 2^53, a number beyond a double's range, a negative zero, nested or not.
    const parameters =
      '{"seed":9007199254740993,"low":-9223372036854775809,"huge":1e400,"zero":-0,"t":0.5,' +
      '"list":[18446744073709551616,1.5,"s",true,null],"nested":{"n":123456789012345678901234}}';
    for (const datatype of ['INT64', 'FP32']) {
      const body = `{"parameters":${parameters},"inputs":[{"name":"x","datatype":"${datatype}","shape":[1],"data":[1]}]}`;
      for (const request of [
        parseInferJson(Buffer.from(body)),
        parseInferJsonText(body)?.document,
      ] as InferRequest[]) {
        const { body: json } = encodeInferResponse({
          modelName: 'm',
          modelVersion: 1,
          id: undefined,
          parameters: request.parameters,
          outputs: [],
          binaryOutputs: new Set(),
        });
        expect(json).toContain(`"parameters":${parameters},`);
      }
    }
  });
});

// The bound refuses an answer before it is written: it must never exceed what is written, or an answer
// that fits would be refused.
describe('leastEncodedBytes', () => {
  const output = fc.oneof(
    fc.array(fc.float({ noNaN: true }), { maxLength: 40 }).map((v) => ({
      datatype: 'FP32' as const,
      data: Float32Array.from(v),
    })),
    fc.array(fc.boolean(), { maxLength: 40 }).map((v) => ({
      datatype: 'BOOL' as const,
      data: Uint8Array.from(v, Number),
    })),
    fc.array(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), { maxLength: 40 }).map((v) => ({
      datatype: 'INT64' as const,
      data: BigInt64Array.from(v),
    })),
    fc.array(fc.string({ maxLength: 6 }), { maxLength: 40 }).map((v) => ({
      datatype: 'BYTES' as const,
      data: v,
    })),
  );

  it('is never more than the bytes the answer takes', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(output, fc.boolean()), { maxLength: 4 }), (outputs) => {
        const tensors = outputs.map(([o], i) => ({ ...o, name: `o${i}`, shape: [o.data.length] }));
        const result = {
          modelName: 'm',
          modelVersion: 1,
          id: undefined,
          parameters: undefined,
          outputs: tensors,
          binaryOutputs: new Set(tensors.filter((_, i) => outputs[i]![1]).map((t) => t.name)),
        };
        const { body } = encodeInferResponse(result);
        const written = typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
        expect(leastEncodedBytes(result)).toBeLessThanOrEqual(written);
      }),
    );
  });
});
