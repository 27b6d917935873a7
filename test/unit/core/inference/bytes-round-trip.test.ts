import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createRunner, type Runner } from '../../../../core/inference/runtime.js';
import { InvalidInputError } from '../../../../core/oip/errors.js';
import { decodeInferRequest, parseInferBody } from '../../../../core/oip/request.js';
import type { Tensor } from '../../../../core/oip/tensor.js';
import { encodeBinaryData, encodeJsonData } from '../../../../core/oip/tensors.js';
import { identityModel } from '../../../../tools/onnx-models.js';
import { binaryRequest, lengthPrefixed } from '../../../helpers/oip-client.js';

// onnxruntime-node carries string tensors as JS strings and C strings: an element with a NUL, or one
// that is not Unicode text, cannot reach the model as sent. These run a real session of y = x.

const LIMITS = { maxElements: 1_000_000 };

describe('BYTES through a real onnxruntime session (identity model)', () => {
  let runner: Runner;
  beforeAll(async () => {
    runner = await createRunner(identityModel('BYTES'), { intraOpThreads: 1 });
  });
  afterAll(() => runner.release());

  /** Decodes a body against the model's signature, runs it, and returns output y. */
  const infer = async (body: Uint8Array, headerLength?: number): Promise<Tensor> => {
    const request = decodeInferRequest(
      parseInferBody(body, headerLength === undefined ? undefined : String(headerLength)),
      runner.signature,
      LIMITS,
    );
    const [y] = await runner.run(request.inputs);
    return y!;
  };
  const jsonBody = (data: readonly string[]) =>
    Buffer.from(
      JSON.stringify({ inputs: [{ name: 'x', datatype: 'BYTES', shape: [data.length], data }] }),
    );
  const binaryBody = (elements: Uint8Array, count: number) => {
    const { body, headers } = binaryRequest(
      {
        inputs: [
          {
            name: 'x',
            datatype: 'BYTES',
            shape: [count],
            parameters: { binary_data_size: elements.byteLength },
          },
        ],
      },
      [elements],
    );
    return [body, Number(headers['inference-header-content-length'])] as const;
  };

  const TEXT = ['héllo', 'wörld ✓', '😀', '', '\ufeffstarts with a BOM'];

  it('returns multibyte UTF-8, empty strings and a leading BOM exactly as sent in JSON', async () => {
    const y = await infer(jsonBody(TEXT));
    expect(y.data).toEqual(TEXT);
    expect(`[${encodeJsonData(y)}]`).toBe(JSON.stringify(TEXT));
  });

  it('returns multibyte UTF-8, empty strings and a leading BOM byte for byte in binary', async () => {
    const elements = lengthPrefixed(TEXT);
    const y = await infer(...binaryBody(elements, TEXT.length));
    expect(Buffer.from(encodeBinaryData(y))).toEqual(elements);
  });

  it.each([
    ['a\\u0000b, \\u0000, ok', ['a\u0000b', '\u0000', 'ok'], 0, 1],
    ['ok, \\u0000', ['ok', '\u0000'], 1, 0],
  ])(
    'refuses JSON elements %s with a NUL, naming the element, before the model runs',
    async (_, data, element, at) => {
      const run = infer(jsonBody(data));
      await expect(run).rejects.toThrow(InvalidInputError);
      await expect(run).rejects.toThrow(
        `input 'x': element ${element} contains a NUL character (U+0000) at index ${at}; onnxruntime ends a string at NUL, so the model would see it cut short`,
      );
    },
  );

  it('refuses a binary element with a NUL byte, naming the element', async () => {
    // 03 00 00 00 61 00 62: "a", NUL, "b"; it came back as 01 00 00 00 61.
    const elements = Buffer.concat([
      lengthPrefixed(['ok']),
      Buffer.from([3, 0, 0, 0, 0x61, 0, 0x62]),
    ]);
    await expect(infer(...binaryBody(elements, 2))).rejects.toThrow(
      "input 'x': BYTES element 1 contains a NUL byte at offset 1; onnxruntime ends a string at NUL, so the model would see it cut short",
    );
  });

  it.each([
    ['\\ud800', '\ud800', 0],
    ['a\\udc00', 'a\udc00', 1],
    ['😀\\ud83d', '😀\ud83d', 2],
  ])(
    'refuses a JSON element %s with a lone surrogate, which came back as U+FFFD',
    async (_, text, at) => {
      const run = infer(jsonBody(['fine', text]));
      await expect(run).rejects.toThrow(InvalidInputError);
      await expect(run).rejects.toThrow(
        new RegExp(
          `^input 'x': element 1 contains a lone surrogate \\\\u[0-9a-f]{4} at index ${at}, which UTF-8 cannot encode;`,
        ),
      );
    },
  );

  it('refuses bytes that are not UTF-8 inside a JSON string, which came back as U+FFFD', async () => {
    const body = Buffer.concat([
      Buffer.from('{"inputs":[{"name":"x","datatype":"BYTES","shape":[1],"data":["a'),
      Buffer.from([0xff]),
      Buffer.from('"]}]}'),
    ]);
    await expect(infer(body)).rejects.toThrow(
      /^malformed JSON body: string is not valid UTF-8 at position 62$/,
    );
  });
});
