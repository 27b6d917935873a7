import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { DATATYPE_NAMES, type Datatype } from '../../../../core/oip/datatypes.js';
import { InvalidInputError } from '../../../../core/oip/errors.js';
import { fromHalfBits } from '../../../../core/oip/fp16.js';
import { parseInferJson, parseInferJsonText, parseJson } from '../../../../core/oip/json.js';
import type { RequestInput } from '../../../../core/oip/schemas.js';
import {
  decodeBinaryData,
  decodeJsonData,
  encodeBinaryData,
  encodeJsonData,
} from '../../../../core/oip/tensors.js';

const input = (datatype: Datatype, data: unknown[]): RequestInput => ({
  name: 'x',
  datatype,
  shape: [data.length],
  data,
});

describe('decodeJsonData', () => {
  it.each([
    ['UINT8', [0, 255], Uint8Array.from([0, 255])],
    ['INT8', [-128, 127], Int8Array.from([-128, 127])],
    ['UINT16', [0, 65535], Uint16Array.from([0, 65535])],
    ['INT16', [-32768, 32767], Int16Array.from([-32768, 32767])],
    ['UINT32', [0, 4294967295], Uint32Array.from([0, 4294967295])],
    ['INT32', [-2147483648, 2147483647], Int32Array.from([-2147483648, 2147483647])],
    [
      'INT64',
      [-(2n ** 63n), 2n ** 63n - 1n, 3],
      BigInt64Array.from([-(2n ** 63n), 2n ** 63n - 1n, 3n]),
    ],
    ['UINT64', [2n ** 64n - 1n, 0], BigUint64Array.from([2n ** 64n - 1n, 0n])],
    ['FP16', [1, -2, 0.5], Uint16Array.from([0x3c00, 0xc000, 0x3800])],
    ['FP32', [1.5, -0], Float32Array.from([1.5, -0])],
    ['FP64', [1e300, 0.1], Float64Array.from([1e300, 0.1])],
    ['BOOL', [true, false], Uint8Array.from([1, 0])],
    ['BYTES', ['héllo', ''], ['héllo', '']],
  ] as [Datatype, unknown[], unknown][])('decodes %s', (datatype, data, expected) => {
    expect(decodeJsonData(input(datatype, data), datatype, data.length)).toEqual(expected);
  });

  it.each([
    ['UINT8', 256],
    ['UINT8', -1],
    ['INT8', 128],
    ['INT32', 2 ** 31],
    ['INT32', 1.5],
    ['UINT32', -1],
    ['INT64', 2n ** 63n],
    ['UINT64', -1],
    ['INT64', 0.5],
    ['BOOL', 1],
    ['BYTES', 5],
    ['FP32', null],
    ['FP32', '1.0'],
    ['INT16', true],
  ] as [Datatype, unknown][])('refuses %s value %p with its range', (datatype, value) => {
    expect(() => decodeJsonData(input(datatype, [value]), datatype, 1)).toThrow(InvalidInputError);
    expect(() => decodeJsonData(input(datatype, [value]), datatype, 1)).toThrow(
      /input 'x': element 0 is/,
    );
  });

  it('says which datatype range an integer left', () => {
    expect(() => decodeJsonData(input('INT8', [1, 300]), 'INT8', 2)).toThrow(
      "input 'x': element 1 is 300; expected an integer in INT8's range -128..127",
    );
  });

  it('refuses data that is not an array', () => {
    expect(() =>
      decodeJsonData({ name: 'x', datatype: 'FP32', shape: [1], data: 1 }, 'FP32', 1),
    ).toThrow(/data must be an array/);
  });
});

describe('decodeBinaryData', () => {
  it('views aligned bytes without copying', () => {
    const bytes = new Uint8Array(Float32Array.from([1, 2]).buffer);
    const data = decodeBinaryData(input('FP32', [0, 0]), 'FP32', 2, bytes) as Float32Array;
    expect(data).toEqual(Float32Array.from([1, 2]));
    expect(data.buffer).toBe(bytes.buffer);
  });

  it('copies misaligned bytes once', () => {
    const backing = new Uint8Array(9);
    backing.set(new Uint8Array(Float64Array.from([2.5]).buffer), 1);
    expect(decodeBinaryData(input('FP64', [0]), 'FP64', 1, backing.subarray(1))).toEqual(
      Float64Array.from([2.5]),
    );
  });

  it('refuses a byte count that disagrees with the shape', () => {
    expect(() => decodeBinaryData(input('INT32', [0, 0]), 'INT32', 2, new Uint8Array(7))).toThrow(
      /binary_data_size is 7 bytes but shape \[2\] of INT32 needs 8/,
    );
  });

  it('decodes length-prefixed BYTES and refuses invalid UTF-8 or lying lengths', () => {
    const encoded = Buffer.concat([
      Buffer.from([2, 0, 0, 0]),
      Buffer.from('hi'),
      Buffer.from([0, 0, 0, 0]),
    ]);
    expect(decodeBinaryData(input('BYTES', ['', '']), 'BYTES', 2, encoded)).toEqual(['hi', '']);
    const invalid = Buffer.concat([Buffer.from([2, 0, 0, 0]), Buffer.from([0xc3, 0x28])]);
    expect(() => decodeBinaryData(input('BYTES', ['']), 'BYTES', 1, invalid)).toThrow(
      /not valid UTF-8/,
    );
    const lying = Buffer.concat([Buffer.from([200, 0, 0, 0]), Buffer.from('hi')]);
    expect(() => decodeBinaryData(input('BYTES', ['']), 'BYTES', 1, lying)).toThrow(
      /claims 200 bytes; only 2 remain/,
    );
  });

  it('refuses BOOL bytes other than 0 and 1', () => {
    expect(() => decodeBinaryData(input('BOOL', [0]), 'BOOL', 1, Uint8Array.from([2]))).toThrow(
      /neither 0 nor 1/,
    );
  });
});

describe('encodeJsonData / encodeBinaryData', () => {
  it('prints exact 64-bit integers and booleans', () => {
    expect(
      encodeJsonData({
        name: 'y',
        datatype: 'INT64',
        shape: [2],
        data: BigInt64Array.from([2n ** 63n - 1n, -1n]),
      }),
    ).toBe('9223372036854775807,-1');
    expect(
      encodeJsonData({ name: 'y', datatype: 'BOOL', shape: [2], data: Uint8Array.from([1, 0]) }),
    ).toBe('true,false');
    expect(encodeJsonData({ name: 'y', datatype: 'BYTES', shape: [1], data: ['a"b'] })).toBe(
      '"a\\"b"',
    );
  });

  it('prints floats with the digits JSON.stringify uses, and non-finite values as null', () => {
    const data = Float32Array.from([0.1, 1, -2.5]);
    expect(encodeJsonData({ name: 'y', datatype: 'FP32', shape: [3], data })).toBe(
      JSON.stringify([...data]).slice(1, -1),
    );
    const odd = Float32Array.from([Number.NaN, Number.POSITIVE_INFINITY, 1]);
    expect(encodeJsonData({ name: 'y', datatype: 'FP32', shape: [3], data: odd })).toBe(
      'null,null,1',
    );
    // FP16: the value each half stands for, as String() prints it; an infinity is null.
    const halves = Uint16Array.from([0x2e66, 0xbc00, 0x7c00]);
    expect(encodeJsonData({ name: 'y', datatype: 'FP16', shape: [3], data: halves })).toBe(
      `${String(fromHalfBits(0x2e66))},-1,null`,
    );
  });

  it('lays out every fixed-size datatype as its raw little-endian bytes', () => {
    for (const datatype of DATATYPE_NAMES.filter((d) => d !== 'BYTES')) {
      const data = decodeJsonData(input(datatype, datatype === 'BOOL' ? [true] : [1]), datatype, 1);
      const bytes = encodeBinaryData({ name: 'y', datatype, shape: [1], data });
      expect(decodeBinaryData(input(datatype, [0]), datatype, 1, bytes.slice())).toEqual(data);
    }
  });
});

describe('decodeJsonData from a scanned body (parseInferJson)', () => {
  /** Decodes `data` for `datatype` both ways: scanned by parseInferJson, and parsed by parseJson. */
  const bothWays = (datatype: Datatype, data: string, count: number) => {
    const text = `{"inputs":[{"name":"x","datatype":"${datatype}","shape":[${count}],"data":${data}}]}`;
    const outcome = (request: unknown) => {
      const parsed = (request as { inputs: RequestInput[] }).inputs[0]!;
      try {
        return { value: decodeJsonData(parsed, datatype, count) };
      } catch (error) {
        return { error: (error as Error).message };
      }
    };
    return {
      scanned: outcome(parseInferJson(Buffer.from(text))),
      parsed: outcome(parseJson(text)),
    };
  };

  it('decodes an FP32 image-sized tensor without an array of numbers in between', () => {
    const values = Float32Array.from({ length: 3 * 32 * 32 }, (_, i) => Math.fround(Math.sin(i)));
    const { scanned } = bothWays('FP32', `[${values.join(',')}]`, values.length);
    expect(scanned).toEqual({ value: values });
  });

  it('rounds FP16 data to the nearest half once, from the double each number is', () => {
    // Both lie just above a midpoint between halves; through FP32 they became the midpoint, a tie.
    const { scanned, parsed } = bothWays('FP16', '[1.0004882812509095,2049.000000001]', 2);
    expect(scanned).toEqual({ value: Uint16Array.from([0x3c01, 0x6801]) }); // 1.0009765625, 2050
    expect(parsed).toEqual(scanned);
  });

  describe('floats beyond their datatype', () => {
    const FP32_RANGE = "FP32's range -3.4028234663852886e+38..3.4028234663852886e+38";
    const FP64_RANGE = "FP64's range -1.7976931348623157e+308..1.7976931348623157e+308";

    /** Decodes `data` with the input's datatype after it, where the scanner cannot know it yet. */
    const datatypeLast = (datatype: Datatype, data: string, count: number) => {
      const text = `{"inputs":[{"name":"x","shape":[${count}],"data":${data},"datatype":"${datatype}"}]}`;
      const parsed = (parseInferJson(Buffer.from(text)) as { inputs: RequestInput[] }).inputs[0]!;
      return decodeJsonData(parsed, datatype, count);
    };

    it.each([
      ['FP32', '1e39', `element 1 is 1e+39; expected a number in ${FP32_RANGE}`],
      [
        'FP32',
        '-3.4028235677973366e38',
        `element 1 is -3.4028235677973366e+38; expected a number in ${FP32_RANGE}`,
      ],
      [
        'FP32',
        '1e999',
        `element 1 is beyond the range of a double; expected a number in ${FP32_RANGE}`,
      ],
      ['FP16', '70000', "element 1 is 70000; expected a number in FP16's range -65504..65504"],
      ['FP16', '-65520', "element 1 is -65520; expected a number in FP16's range -65504..65504"],
      [
        'FP16',
        '100000000000000000000000',
        "element 1 is 1e+23; expected a number in FP16's range -65504..65504",
      ],
      [
        'FP64',
        '1e999',
        `element 1 is beyond the range of a double; expected a number in ${FP64_RANGE}`,
      ],
      [
        'FP64',
        '-1.8e308',
        `element 1 is beyond the range of a double; expected a number in ${FP64_RANGE}`,
      ],
    ] as [Datatype, string, string][])(
      'refuses %s value %s, naming the input, the element and the range',
      (datatype, value, message) => {
        const error = { error: `input 'x': ${message}` };
        for (const data of [`[0.5,${value},2]`, `[[0.5],[${value}],[2]]`]) {
          const { scanned, parsed } = bothWays(datatype, data, 3);
          expect(scanned).toEqual(error);
          expect(parsed).toEqual(error);
          expect(() => datatypeLast(datatype, data, 3)).toThrow(error.error);
        }
        expect(() => decodeJsonData(input(datatype, [0.5, Number(value), 2]), datatype, 3)).toThrow(
          error.error,
        );
      },
    );

    it('refuses one such value at the end of a large FP32 tensor, however it is scanned', () => {
      const values = Array.from({ length: 30_000 }, (_, i) => Math.fround(Math.sin(i)));
      const text = `{"inputs":[{"name":"x","datatype":"FP32","shape":[30001],"data":[${values.join(',')},1e39]}]}`;
      const message = `input 'x': element 30000 is 1e+39; expected a number in ${FP32_RANGE}`;
      for (const request of [
        parseInferJson(Buffer.from(text)),
        parseInferJsonText(text)?.document,
      ]) {
        const parsed = (request as { inputs: RequestInput[] }).inputs[0]!;
        expect(() => decodeJsonData(parsed, 'FP32', 30_001)).toThrow(message);
      }
    });

    it.each([
      ['FP32', '3.4028235e38', Float32Array.of(3.4028234663852886e38)],
      ['FP32', '-3.4028235677973362e38', Float32Array.of(-3.4028234663852886e38)],
      ['FP16', '65519.99', Uint16Array.of(0x7bff)],
      ['FP16', '-65504', Uint16Array.of(0xfbff)],
      ['FP64', '1.7976931348623158e308', Float64Array.of(Number.MAX_VALUE)],
    ] as [Datatype, string, unknown][])(
      'accepts %s value %s, which rounds to the largest finite one',
      (datatype, value, expected) => {
        const { scanned, parsed } = bothWays(datatype, `[${value}]`, 1);
        expect(scanned).toEqual({ value: expected });
        expect(parsed).toEqual({ value: expected });
        expect(datatypeLast(datatype, `[${value}]`, 1)).toEqual(expected);
      },
    );

    it('takes binary data bit for bit, Infinity included', () => {
      const bytes = new Uint8Array(Float32Array.of(Number.POSITIVE_INFINITY).buffer);
      expect(decodeBinaryData(input('FP32', [0]), 'FP32', 1, bytes)).toEqual(
        Float32Array.of(Number.POSITIVE_INFINITY),
      );
    });
  });

  it('decodes and refuses exactly as from JS arrays, for every datatype', () => {
    const element = fc.oneof(
      fc.double().map((v) => (Number.isFinite(v) ? JSON.stringify(v) : '1e999')),
      fc.float({ noNaN: true, noDefaultInfinity: true }).map((v) => JSON.stringify(v)),
      fc.integer({ min: -70_000, max: 70_000 }).map(String),
      fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }).map(String),
      fc.constantFrom('true', 'false', 'null', '"s"', '[]', '[1,2]', '0.5e1', '-0'),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...DATATYPE_NAMES),
        fc.array(element, { maxLength: 8 }),
        fc.boolean(),
        fc.integer({ min: -1, max: 1 }),
        (datatype, elements, nested, miscount) => {
          const data = nested ? `[[${elements.join(',')}]]` : `[${elements.join(',')}]`;
          const count = Math.max(0, elements.length + (miscount === 1 ? 0 : miscount));
          const { scanned, parsed } = bothWays(datatype, data, count);
          expect(scanned).toEqual(parsed);
        },
      ),
      { numRuns: Number(process.env.RUNS ?? 1000) },
    );
  });
});
