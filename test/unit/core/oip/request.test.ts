import { describe, expect, it } from '@jest/globals';
import type { Signature } from '../../../../core/models/schemas.js';
import { InvalidInputError, PayloadTooLargeError } from '../../../../core/oip/errors.js';
import { decodeInferRequest, parseInferBody } from '../../../../core/oip/request.js';

const SIGNATURE: Signature = {
  inputs: [
    { name: 'x', datatype: 'FP32', shape: [-1, 2] },
    { name: 'n', datatype: 'INT64', shape: [] },
  ],
  outputs: [
    { name: 'y', datatype: 'FP32', shape: [-1, 2] },
    { name: 'z', datatype: 'INT64', shape: [] },
  ],
};
const LIMITS = { maxElements: 1_000_000 };

function decode(body: unknown, headerLength?: number, binary?: Uint8Array) {
  const json = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  const bytes = binary === undefined ? json : Buffer.concat([json, binary]);
  return decodeInferRequest(
    parseInferBody(bytes, headerLength === undefined ? undefined : String(headerLength)),
    SIGNATURE,
    LIMITS,
  );
}

const x = { name: 'x', datatype: 'FP32', shape: [2, 2], data: [1, 2, 3, 4] };
const n = { name: 'n', datatype: 'INT64', shape: [], data: [7] };

describe('decodeInferRequest', () => {
  it('decodes flat and nested data into typed arrays of the declared shape', () => {
    // Prepare
    const nested = {
      ...x,
      data: [
        [1, 2],
        [3, 4],
      ],
    };
    // Act
    const flat = decode({ inputs: [x, n] });
    const deep = decode({ inputs: [nested, n] });
    // Assess
    expect(flat.inputs[0]).toEqual({
      name: 'x',
      datatype: 'FP32',
      shape: [2, 2],
      data: Float32Array.from([1, 2, 3, 4]),
    });
    expect(deep.inputs[0]?.data).toEqual(flat.inputs[0]?.data);
    expect(flat.inputs[1]?.data).toEqual(BigInt64Array.from([7n]));
  });

  it('echoes the id and parameters and computes every output by default', () => {
    const decoded = decode({ id: 'req-1', parameters: { trace: 'yes' }, inputs: [x, n] });
    expect(decoded).toMatchObject({
      id: 'req-1',
      parameters: { trace: 'yes' },
      outputs: ['y', 'z'],
    });
    expect([...decoded.binaryOutputs]).toEqual([]);
  });

  it('computes only the requested outputs, binary where asked', () => {
    const decoded = decode({
      inputs: [x, n],
      outputs: [{ name: 'z', parameters: { binary_data: true } }],
    });
    expect(decoded.outputs).toEqual(['z']);
    expect([...decoded.binaryOutputs]).toEqual(['z']);
    const all = decode({ parameters: { binary_data_output: true }, inputs: [x, n] });
    expect([...all.binaryOutputs]).toEqual(['y', 'z']);
  });

  it('reads binary inputs from the bytes after the JSON header, in input order', () => {
    const header = JSON.stringify({
      inputs: [
        { name: 'x', datatype: 'FP32', shape: [1, 2], parameters: { binary_data_size: 8 } },
        { name: 'n', datatype: 'INT64', shape: [], parameters: { binary_data_size: 8 } },
      ],
    });
    const binary = Buffer.concat([
      Buffer.from(Float32Array.from([1.5, -2]).buffer),
      Buffer.from(BigInt64Array.from([-(2n ** 63n)]).buffer),
    ]);
    const decoded = decode(header, Buffer.byteLength(header), binary);
    expect(decoded.inputs.map((t) => t.data)).toEqual([
      Float32Array.from([1.5, -2]),
      BigInt64Array.from([-(2n ** 63n)]),
    ]);
  });

  it.each([
    [
      'an unknown input',
      { inputs: [x, n, { ...n, name: 'extra' }] },
      /unknown input 'extra'; the model's inputs are 'x', 'n'/,
    ],
    [
      // What the client made up comes back cut short: one request cannot make a megabyte answer or log line.
      'an unknown input with a very long name',
      { inputs: [x, n, { ...n, name: 'q'.repeat(100_000) }] },
      /^unknown input 'q{80}…'; the model's inputs are 'x', 'n'$/,
    ],
    [
      'an unknown output with a very long name',
      { inputs: [x, n], outputs: [{ name: 'q'.repeat(100_000) }] },
      /^unknown output 'q{80}…'; the model's outputs are/,
    ],
    ['a duplicated input', { inputs: [x, n, x] }, /input 'x' appears more than once/],
    ['a missing input', { inputs: [x] }, /missing input 'n'/],
    [
      'a wrong datatype',
      { inputs: [{ ...x, datatype: 'INT32' }, n] },
      /input 'x': datatype INT32 does not match the model's FP32/,
    ],
    [
      'an unknown datatype',
      { inputs: [{ ...x, datatype: 'FLOAT' }, n] },
      /input 'x': unknown datatype 'FLOAT'/,
    ],
    [
      'a wrong rank',
      { inputs: [{ ...x, shape: [4] }, n] },
      /shape \[4\] has 1 dimensions; the model expects \[-1, 2\]/,
    ],
    [
      'a wrong fixed dimension',
      { inputs: [{ ...x, shape: [1, 4] }, n] },
      /does not fit the model's \[-1, 2\]/,
    ],
    [
      'too few elements',
      { inputs: [{ ...x, data: [1, 2, 3] }, n] },
      /data has 3 elements but shape \[2,2\] needs 4/,
    ],
    [
      'a string among numbers',
      { inputs: [{ ...x, data: [1, 'two', 3, 4] }, n] },
      /element 1 is "two"; expected a number/,
    ],
    ['a negative dimension', { inputs: [{ ...x, shape: [-1, 2] }, n] }, /inputs\[0\]\.shape\[0\]/],
    ['no data', { inputs: [{ ...x, data: undefined }, n] }, /input 'x' has no data/],
    [
      'an unknown output',
      { inputs: [x, n], outputs: [{ name: 'w' }] },
      /unknown output 'w'; the model's outputs are 'y', 'z'/,
    ],
    [
      'a non-boolean binary_data',
      { inputs: [x, n], outputs: [{ name: 'y', parameters: { binary_data: 1 } }] },
      /binary_data must be true or false/,
    ],
    [
      "Triton's classification extension",
      { inputs: [x, n], outputs: [{ name: 'y', parameters: { classification: 2 } }] },
      /output 'y': parameter classification belongs to Triton's classification extension, which maas does not offer/,
    ],
    [
      "Triton's shared memory, for an output",
      {
        inputs: [x, n],
        outputs: [
          { name: 'y', parameters: { shared_memory_region: 'o0', shared_memory_byte_size: 16 } },
        ],
      },
      /output 'y': parameter shared_memory_region belongs to Triton's shared memory extension/,
    ],
    [
      "Triton's shared memory, for an input",
      {
        inputs: [
          {
            ...x,
            data: undefined,
            parameters: { shared_memory_region: 'i0', shared_memory_byte_size: 16 },
          },
          n,
        ],
      },
      /input 'x': parameter shared_memory_region belongs to Triton's shared memory extension/,
    ],
    ['no inputs at all', { inputs: [] }, /invalid inference request: inputs/],
    ['a body that is not an object', [1, 2], /invalid inference request/],
    [
      'binary_data_size without the header',
      { inputs: [{ ...x, data: undefined, parameters: { binary_data_size: 16 } }, n] },
      /no Inference-Header-Content-Length/,
    ],
  ])('refuses %s with a 400 that names it', (_, body, message) => {
    expect(() => decode(body)).toThrow(InvalidInputError);
    expect(() => decode(body)).toThrow(message);
  });

  // JSON may spell the datatype with escapes; the integers must stay exact all the same.
  it('keeps INT64 beyond 2^53 exact when the datatype is written with \\u escapes', () => {
    const body =
      '{"inputs":[{"name":"x","datatype":"FP32","shape":[2,2],"data":[1,2,3,4]},' +
      '{"name":"n","datatype":"\\u0049NT64","shape":[],"data":[9007199254740993]}]}';
    expect(decode(body).inputs[1]?.data).toEqual(BigInt64Array.from([9007199254740993n]));
  });

  // Clients name their own parameters; only the extensions' names are refused, never Object's.
  it('accepts parameters named like Object.prototype members', () => {
    const parameters = { constructor: 'v', toString: 1, valueOf: true, __proto__: 'x' };
    const body = `{"inputs":[${JSON.stringify({ ...x, parameters })},${JSON.stringify(n)}],"outputs":[{"name":"y","parameters":${JSON.stringify(parameters)}}]}`;
    expect(decode(body).outputs).toEqual(['y']);
  });

  it('refuses parameters nested deeper than 128 levels, which the answer would echo', () => {
    const nested = (depth: number) =>
      `{"parameters":{"x":${'['.repeat(depth)}${']'.repeat(depth)}},"inputs":[${JSON.stringify(x)},${JSON.stringify(n)}]}`;
    expect(decode(nested(120)).parameters).toEqual({ x: expect.any(Array) });
    expect(() => decode(nested(4000))).toThrow(InvalidInputError);
    expect(() => decode(nested(4000))).toThrow(/nested deeper than 128 levels/);
  });

  it('refuses malformed JSON', () => {
    expect(() => decode('{"inputs": [')).toThrow(/malformed JSON body/);
  });

  it('refuses a shape over the element limit with 413 before allocating', () => {
    const huge = { ...x, shape: [2 ** 40, 2], data: [1] };
    expect(() => decode({ inputs: [huge, n] })).toThrow(PayloadTooLargeError);
    expect(() => decode({ inputs: [huge, n] })).toThrow(/declares more than the 1000000 elements/);
  });

  it('refuses an input with a dimension of 0 with 400: maas runs no model on an empty tensor', () => {
    // onnxruntime aborts the whole process on some of them (Silero VAD's LSTM), which no catch stops.
    const empty = { ...x, shape: [0, 2], data: [] };
    expect(() => decode({ inputs: [empty, n] })).toThrow(InvalidInputError);
    expect(() => decode({ inputs: [empty, n] })).toThrow(
      "input 'x': shape [0,2] has no elements (dimension 0 is 0); maas does not run a model on an empty tensor",
    );
  });

  /** How an FP32 input of `shape` with no data is refused by a model taking any 3-D shape. */
  const refusal = (shape: number[]) => {
    const signature: Signature = {
      inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, -1, -1] }],
      outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, -1, -1] }],
    };
    const body = Buffer.from(JSON.stringify({ inputs: [{ ...x, shape, data: [] }] }));
    try {
      decodeInferRequest(parseInferBody(body, undefined), signature, LIMITS);
    } catch (error) {
      return { status: (error as InvalidInputError).status, message: (error as Error).message };
    }
    return undefined;
  };

  it('answers a shape with a 0 and a huge dimension alike, wherever the 0 stands', () => {
    // Act
    const zeroSecond = refusal([1e15, 0, 1]);
    const zeroFirst = refusal([0, 1e15, 1]);
    // Assess
    expect(zeroSecond).toEqual({
      status: 400,
      message:
        "input 'x': shape [1000000000000000,0,1] has no elements (dimension 1 is 0); maas does not run a model on an empty tensor",
    });
    expect(zeroFirst).toEqual({
      status: 400,
      message:
        "input 'x': shape [0,1000000000000000,1] has no elements (dimension 0 is 0); maas does not run a model on an empty tensor",
    });
  });

  it.each([
    [[2 ** 40, 1, 1], 0],
    [[1, 1, 2 ** 40], 2],
    [[2000, 2000, 2 ** 40], 2],
  ])('answers shape %p with 413 naming dimension %i, alone over the limit', (shape, at) => {
    expect(refusal(shape)).toEqual({
      status: 413,
      message: `input 'x': shape [${shape}] declares more than the 1000000 elements a request may carry (dimension ${at} alone is 1099511627776)`,
    });
  });

  it.each([
    [
      'a header length past the body',
      10_000,
      new Uint8Array(0),
      /must be a byte count between 1 and the body's/,
    ],
    [
      'binary bytes left over',
      undefined,
      new Uint8Array(4),
      /carries 4 binary bytes but the inputs' binary_data_size add up to 0/,
    ],
  ])('refuses %s', (_, length, binary, message) => {
    const header = JSON.stringify({ inputs: [x, n] });
    expect(() => decode(header, length ?? Buffer.byteLength(header), binary)).toThrow(message);
  });

  it('refuses binary_data_size that runs past the binary section', () => {
    const header = JSON.stringify({
      inputs: [
        { name: 'x', datatype: 'FP32', shape: [1, 2], parameters: { binary_data_size: 800 } },
        n,
      ],
    });
    expect(() => decode(header, Buffer.byteLength(header), new Uint8Array(8))).toThrow(
      /runs past the 8 binary bytes left/,
    );
  });
});
