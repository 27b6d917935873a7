import { describe, expect, it } from '@jest/globals';
import { InvalidInputError } from '../../../../core/oip/errors.js';
import { parseJson } from '../../../../core/oip/json.js';

describe('parseJson', () => {
  it('keeps INT64 values beyond 2^53 exact, as bigint', () => {
    const body =
      '{"datatype":"INT64","data":[9223372036854775807,-9223372036854775808,9007199254740993,5]}';
    expect(parseJson(body)).toEqual({
      datatype: 'INT64',
      data: [9223372036854775807n, -9223372036854775808n, 9007199254740993n, 5],
    });
  });

  it('parses like JSON.parse everywhere else in an INT64 body', () => {
    const value = {
      datatype: 'INT64',
      s: 'a "quoted" \\ \u00e9 \n line',
      n: [0, -0.5, 1e-7, 1.5e300, 123456789012345, true, false, null],
      nested: {
        a: [
          [1, 2],
          [3, 4],
        ],
        empty: {},
        none: [],
      },
    };
    const text = JSON.stringify(value, null, 2);
    expect(parseJson(text)).toEqual(JSON.parse(text));
  });

  it('keeps a "__proto__" key as data, as JSON.parse does', () => {
    const parsed = parseJson('{"datatype":"INT64","__proto__":{"polluted":true}}') as Record<
      string,
      unknown
    >;
    expect(Object.keys(parsed)).toContain('__proto__');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each([
    '{"datatype":"INT64",',
    '{"datatype":"INT64"} x',
    '{"datatype":"INT64","data":[1,]}',
    '{"datatype":"INT64","data":[01]}',
    '{"datatype":"INT64","s":"unterminated}',
    '{"datatype":"INT64","data":[NaN]}',
    '{"datatype":"FP32",',
    '',
  ])('refuses malformed JSON %j with a 400', (text) => {
    expect(() => parseJson(text)).toThrow(InvalidInputError);
    expect(() => parseJson(text)).toThrow(/^malformed JSON body: /);
  });
});
