import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { InvalidInputError } from '../../../../core/oip/errors.js';
import {
  NumberLiteral,
  parseInferJson,
  parseInferJsonBase64,
  parseInferJsonText,
  parseJson,
  TensorNumbers,
} from '../../../../core/oip/json.js';

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

  it('parses any JSON value like JSON.parse, however often its strings repeat', () => {
    // Integers beyond 2^53 come back as bigint (the point of the parser): compared as JSON.parse's numbers.
    const asNumbers = (value: unknown): unknown =>
      typeof value === 'bigint'
        ? Number(value)
        : Array.isArray(value)
          ? value.map(asNumbers)
          : value !== null && typeof value === 'object'
            ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, asNumbers(v)]))
            : value;
    const words = fc.constantFrom('name', 'shape', 'FP32', 'x', 'é', '"', '', 'binary_data_size');
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.jsonValue(), words), { maxLength: 8 }),
        fc.array(fc.tuple(fc.oneof(fc.string({ maxLength: 40 }), words), fc.jsonValue()), {
          maxLength: 8,
        }),
        (values, entries) => {
          // The same text twice: the second parse meets every string already seen.
          const object = Object.fromEntries(entries); // arbitrary keys
          const text = JSON.stringify({ datatype: 'INT64', values, object, again: object });
          for (let i = 0; i < 2; i++) expect(asNumbers(parseJson(text))).toEqual(JSON.parse(text));
        },
      ),
      { numRuns: Number(process.env.RUNS ?? 1000) },
    );
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

/** The request's first input's data as parseInferJson leaves it. */
const scannedData = (data: string, datatype = 'FP32') =>
  (
    parseInferJson(
      Buffer.from(`{"inputs":[{"name":"x","datatype":"${datatype}","shape":[1],"data":${data}}]}`),
    ) as { inputs: { data: unknown }[] }
  ).inputs[0]!.data;

/** JSON texts of numbers JSON.parse reads: shortest doubles, FP32 values, long and odd literals. */
const numberText = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((v) => JSON.stringify(v)),
  fc.float({ noNaN: true, noDefaultInfinity: true }).map((v) => JSON.stringify(v)),
  fc.integer({ min: -1_000_000, max: 1_000_000 }).map(String),
  fc.stringMatching(/^-?(0|[1-9]\d{0,30})(\.\d{1,30})?([eE][+-]?\d{1,3})?$/),
  // Halfway between two floats, where rounding to FP32 is hardest: written with 17 to 30 digits.
  fc
    .tuple(
      fc.float({
        noNaN: true,
        noDefaultInfinity: true,
        min: Math.fround(-1e30),
        max: Math.fround(1e30),
      }),
      fc.integer({ min: 17, max: 30 }),
    )
    .map(([f, digits]) => {
      const bits = new Float32Array([f]);
      const next = new Uint32Array(bits.buffer);
      next[0]! += 1;
      return ((f + bits[0]!) / 2).toPrecision(digits);
    }),
);

describe('parseInferJson', () => {
  it("scans an input's numeric data into the numbers JSON.parse gives", () => {
    const data = scannedData('[1.5, -0, 2e-3, 1E2, 0.1]', 'FP64');
    expect(data).toBeInstanceOf(TensorNumbers);
    expect(Array.from((data as TensorNumbers).values)).toEqual([1.5, -0, 0.002, 100, 0.1]);
    expect((data as TensorNumbers).exact).toBe(true);
  });

  it("scans a large body's data into the numbers JSON.parse gives, nested or flat", () => {
    // Flat data goes through the WebAssembly scanner; nested data stays here.
    const values = Array.from({ length: 20_000 }, (_, i) =>
      Math.fround(Math.sin(i) * 10 ** (i % 9)),
    );
    for (const data of [values, [values.slice(0, 10_000), values.slice(10_000)]]) {
      const text = JSON.stringify({
        inputs: [
          { name: 'x', data },
          { name: 'y', data: [1, 2] },
        ],
      });
      const { inputs } = parseInferJson(Buffer.from(text)) as { inputs: { data: TensorNumbers }[] };
      // 17-digit decimals are rounded twice, within 1e-14, and come back as the very floats written.
      inputs[0]!.data.values.forEach((v, i) => {
        expect(Math.abs(v - values[i]!)).toBeLessThanOrEqual(Math.abs(values[i]!) * 1e-14);
      });
      expect(inputs[0]!.data.toFloat32()).toEqual(Float32Array.from(values));
      expect(Array.from(inputs[1]!.data.values)).toEqual([1, 2]);
    }
  });

  it("rounds a large body's data to FP32 while scanning, when the input says FP32 first", () => {
    const values = Array.from({ length: 20_000 }, (_, i) =>
      Math.fround(Math.cos(i) * 10 ** (i % 7)),
    );
    // Halfway between two floats: only the exact parse rounds it right (to even: 1).
    const boundary = '1.00000005960464476';
    const parse = (input: Record<string, unknown>, tail = '') => {
      const text = JSON.stringify({ inputs: [input] }).replace('"TAIL"', tail);
      const { inputs } = parseInferJson(Buffer.from(text)) as { inputs: { data: TensorNumbers }[] };
      return inputs[0]!.data;
    };
    const declared = parse({ name: 'x', datatype: 'FP32', shape: [20_000], data: values });
    expect(declared.values).toBeInstanceOf(Float32Array);
    expect(declared.toFloat32()).toEqual(Float32Array.from(values));
    // Declared after the data, or another datatype: doubles, as before.
    const after = parse({ name: 'x', data: values, datatype: 'FP32' });
    expect(after.values).toBeInstanceOf(Float64Array);
    expect(after.toFloat32()).toEqual(Float32Array.from(values));
    expect(parse({ name: 'x', datatype: 'FP64', data: values }).values).toBeInstanceOf(
      Float64Array,
    );
    // A value the scan cannot round alone leaves the whole input to the exact path.
    const edge = parse({ name: 'x', datatype: 'FP32', data: [...values, 'TAIL'] }, boundary);
    expect(edge.toFloat32()).toBeUndefined();
    expect((edge.toArray() as number[]).map(Math.fround).at(-1)).toBe(1);
  });

  it('parses ASCII text as it parses its bytes, and leaves other text to them', () => {
    fc.assert(
      fc.property(fc.array(numberText, { maxLength: 20 }), fc.boolean(), (texts, nested) => {
        const data = nested ? `[[${texts.join(',')}]]` : `[${texts.join(',')}]`;
        const text = `{"id":"a","inputs":[{"name":"x","datatype":"FP32","shape":[1],"data":${data}}]}`;
        const fromText = parseInferJsonText(text)?.document as { inputs: { data: unknown }[] };
        const fromBytes = parseInferJson(Buffer.from(text)) as typeof fromText;
        const values = (d: unknown) => (d instanceof TensorNumbers ? d.toFloat32() : d);
        expect(values(fromText.inputs[0]!.data)).toEqual(values(fromBytes.inputs[0]!.data));
      }),
      { numRuns: Number(process.env.RUNS ?? 300) },
    );
    expect(parseInferJsonText('{"id":"\u00e9","inputs":[]}')).toBeUndefined();
    expect(() => parseInferJsonText('{"inputs":[1,]}')).toThrow(/^malformed JSON body/);
  });

  it('parses base64 as it parses the bytes it encodes, ASCII or not', () => {
    fc.assert(
      fc.property(
        fc.array(numberText, { maxLength: 20 }),
        fc.string({ unit: 'binary', maxLength: 8 }),
        (texts, id) => {
          const text = `{"id":${JSON.stringify(id)},"inputs":[{"name":"x","datatype":"FP64","shape":[1],"data":[${texts.join(',')}]}]}`;
          const bytes = Buffer.from(text);
          const fromBase64 = parseInferJsonBase64(bytes.toString('base64'))?.document as {
            id: string;
            inputs: { data: unknown }[];
          };
          const fromBytes = parseInferJson(bytes) as typeof fromBase64;
          expect(fromBase64.id).toBe(id);
          // Parsed again from the base64 where the scan was approximate or gave up.
          const values = (d: unknown) =>
            d instanceof TensorNumbers ? [Array.from(d.values), d.toArray()] : d;
          expect(values(fromBase64.inputs[0]!.data)).toEqual(values(fromBytes.inputs[0]!.data));
        },
      ),
      { numRuns: Number(process.env.RUNS ?? 300) },
    );
    expect(parseInferJsonBase64('e30')).toBeUndefined(); // not whole groups of four
    expect(() => parseInferJsonBase64(Buffer.from('{"inputs":[1,]}').toString('base64'))).toThrow(
      /^malformed JSON body/,
    );
  });

  it('refuses a string whose bytes are not UTF-8, from bytes or base64, instead of making them U+FFFD', () => {
    for (const [before, after] of [
      ['{"id":"a', '","inputs":[]}'],
      ['{"id":"\\n', '","inputs":[]}'], // with an escape, which takes another path
      ['{"inputs":[{"data":["ok","', '"]}]}'],
    ]) {
      const body = Buffer.concat([
        Buffer.from(before!),
        Buffer.from([0xc3, 0x28]),
        Buffer.from(after!),
      ]);
      const message = `malformed JSON body: string is not valid UTF-8 at position ${before!.lastIndexOf('"')}`;
      expect(() => parseInferJson(body)).toThrow(message);
      expect(() => parseInferJsonBase64(body.toString('base64'))).toThrow(message);
    }
  });

  it('keeps multibyte characters and a leading BOM in strings as written', () => {
    const strings = ['héllo', 'wörld ✓', '😀', '\ufeffBOM', '\ufeff\n', ''];
    const body = Buffer.from(JSON.stringify({ id: '\ufeffid', inputs: [{ data: strings }] }));
    expect(parseInferJson(body)).toEqual({ id: '\ufeffid', inputs: [{ data: strings }] });
    expect(parseInferJsonBase64(body.toString('base64'))?.document).toEqual(parseInferJson(body));
  });

  it('parses base64 again from the base64, after the next document took the scanner', () => {
    const body = (data: number[], pad: string) =>
      Buffer.from(
        JSON.stringify({ id: pad, inputs: [{ name: 'x', datatype: 'FP64', shape: [3], data }] }),
      ).toString('base64');
    const first = [0.1234567890123456, 1.0000000000000002, -3.3333333333333335];
    // The data starting at each offset within a group of three bytes.
    for (const pad of ['', 'a', 'ab']) {
      const parsed = parseInferJsonBase64(body(first, pad))?.document as {
        inputs: { data: TensorNumbers }[];
      };
      parseInferJsonBase64(body([0.9876543210987654, 2.0000000000000004, -7.77777777777777], ''));
      expect(parsed.inputs[0]!.data.exact).toBe(false);
      expect(parsed.inputs[0]!.data.toArray()).toEqual(first);
    }
  });

  it('parses text again from the text, after the next document took the scanner', () => {
    // FP64's 17-digit decimals are approximated while scanning: decoding them takes the exact parse,
    // after other requests may have been parsed in the same process.
    const body = (data: number[]) =>
      JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP64', shape: [3], data }] });
    const first = [0.1234567890123456, 1.0000000000000002, -3.3333333333333335];
    const parsed = parseInferJsonText(body(first))?.document as {
      inputs: { data: TensorNumbers }[];
    };
    parseInferJsonText(body([0.9876543210987654, 2.0000000000000004, -7.7777777777777777]));
    expect(parsed.inputs[0]!.data.exact).toBe(false);
    expect(parsed.inputs[0]!.data.toArray()).toEqual(first);
  });

  it('flattens nested numeric data, as the decoder flattens nested arrays', () => {
    const data = scannedData('[[1, 2], [], [[3]]]') as TensorNumbers;
    expect(Array.from(data.values)).toEqual([1, 2, 3]);
    expect(data.toArray()).toEqual([[1, 2], [], [[3]]]);
  });

  it('reads data laid out over lines and indents, as pretty printers write it', () => {
    const text = JSON.stringify(
      {
        inputs: [
          {
            name: 'x',
            data: [
              [0.25, -1],
              [3e-2, 4],
            ],
          },
        ],
      },
      null,
      2,
    );
    const { inputs } = parseInferJson(Buffer.from(text)) as { inputs: { data: TensorNumbers }[] };
    expect(Array.from(inputs[0]!.data.values)).toEqual([0.25, -1, 0.03, 4]);
  });

  it.each([
    ['strings', '["a", "b"]'],
    ['booleans', '[true, false]'],
    ['an array after a number', '[1, [2]]'],
    ['nulls', '[null]'],
  ])('leaves data of %s as JS values', (_, data) => {
    expect(scannedData(data)).toEqual(JSON.parse(data));
  });

  it("reads only inputs' data as tensors; every other array stays an array", () => {
    const text =
      '{"inputs":[{"name":"x","shape":[2],"datatype":"FP32","data":[1,2],"parameters":{"data":[3]}}],"parameters":{"data":[4]},"data":[5]}';
    const parsed = parseInferJson(Buffer.from(text)) as Record<string, unknown>;
    const { data, ...rest } = (parsed.inputs as Record<string, unknown>[])[0]!;
    expect(data).toBeInstanceOf(TensorNumbers);
    expect({ ...parsed, inputs: [rest] }).toEqual({
      ...JSON.parse(text),
      inputs: [{ ...JSON.parse(text).inputs[0], data: undefined }],
    });
  });

  it('keeps INT64 values beyond 2^53 exact in a body that mentions INT64', () => {
    const data = scannedData('[9223372036854775807, 5]', 'INT64') as TensorNumbers;
    expect(data.exact).toBe(false);
    expect(data.toArray()).toEqual([9223372036854775807n, 5]);
  });

  it('reads integers beyond 2^53 as bigint only in a body that mentions INT64, wherever it does', () => {
    const body = (tail: string) =>
      `{"inputs":[{"name":"x","datatype":"FP32","shape":[1],"data":[1],"parameters":{"seed":9007199254740993}}]${tail}}`;
    for (const parse of [
      (text: string) => parseInferJson(Buffer.from(text)),
      (text: string) => parseInferJsonText(text)?.document,
      (text: string) => parseInferJsonBase64(Buffer.from(text).toString('base64'))?.document,
    ]) {
      const seed = (text: string) =>
        (parse(text) as { inputs: { parameters: { seed: unknown } }[] }).inputs[0]!.parameters.seed;
      expect(seed(body(''))).toBe(9007199254740992); // JSON.parse's double
      expect(seed(body(',"note":"INT64"'))).toBe(9007199254740993n); // the word after the integer
      // The word spelled with escapes, as a datatype may be: the same to the parser.
      expect(seed(body(',"note":"\\u0049NT64"'))).toBe(9007199254740993n);
    }
  });

  // In a server, requests interleave: one's integers may be read after another's body was scanned.
  it('keeps INT64 exact when its data is read after another body took the scanner', () => {
    const int64 = parseInferJsonBase64(
      Buffer.from(
        '{"inputs":[{"name":"x","datatype":"INT64","shape":[2],"data":[9007199254740993,5]}]}',
      ).toString('base64'),
    )?.document as { inputs: { data: TensorNumbers }[] };
    // Another request's body, with no INT64 in it, scanned before the first one's data is read.
    parseInferJsonBase64(
      Buffer.from(
        `{"inputs":[{"name":"y","datatype":"FP32","shape":[64],"data":[${Array(64).fill('0.5').join(',')}]}]}`,
      ).toString('base64'),
    );
    expect(int64.inputs[0]!.data.toArray()).toEqual([9007199254740993n, 5]);
  });

  it("keeps the request parameters' numbers that no double holds as written, whatever the body holds", () => {
    const body = (datatype: string) =>
      `{"parameters":{"seed":9007199254740993,"n":[1e400,-0,0.5,12]},"inputs":[{"name":"x","datatype":"${datatype}","shape":[1],"data":[1]}]}`;
    for (const parse of [
      (text: string) => parseInferJson(Buffer.from(text)),
      (text: string) => parseInferJsonText(text)?.document,
    ]) {
      for (const datatype of ['INT64', 'FP32']) {
        expect((parse(body(datatype)) as { parameters: unknown }).parameters).toEqual({
          seed: new NumberLiteral('9007199254740993'),
          n: [new NumberLiteral('1e400'), -0, 0.5, 12],
        });
      }
    }
  });

  it('gives, for any numbers, the same values as JSON.parse, or says they are approximate', () => {
    fc.assert(
      fc.property(fc.array(numberText, { maxLength: 20 }), (texts) => {
        const text = `[${texts.join(',')}]`;
        const data = scannedData(text, 'FP64'); // FP32 would be rounded while scanning
        const expected = JSON.parse(text) as number[];
        if (data instanceof TensorNumbers) {
          expect(data.toArray()).toEqual(expected);
          if (data.exact) expect(Array.from(data.values)).toEqual(expected);
          else
            data.values.forEach((v, i) => {
              const want = expected[i]!;
              if (!Object.is(v, want))
                expect(Math.abs(v - want)).toBeLessThanOrEqual(Math.abs(want) * 1e-14);
            });
        } else expect(data).toEqual(expected);
      }),
      { numRuns: Number(process.env.RUNS ?? 500) },
    );
  });

  it('rounds to FP32 exactly as JSON.parse doubles round, whenever it answers', () => {
    fc.assert(
      fc.property(fc.array(numberText, { maxLength: 20 }), (texts) => {
        const text = `[${texts.join(',')}]`;
        const data = scannedData(text);
        const floats = data instanceof TensorNumbers ? data.toFloat32() : undefined;
        if (floats !== undefined) expect(floats).toEqual(Float32Array.from(JSON.parse(text)));
      }),
      { numRuns: Number(process.env.RUNS ?? 500) },
    );
  });

  it('accepts exactly what JSON.parse accepts', () => {
    const edits = fc.tuple(
      fc.nat(),
      fc.constantFrom('', ',', ']', '[', '-', '.', 'e', '0', ' ', '"', '1'),
    );
    fc.assert(
      fc.property(
        fc.array(numberText, { maxLength: 5 }),
        fc.array(edits, { maxLength: 3 }),
        (texts, changes) => {
          let text = `{"inputs":[{"data":[${texts.join(',')}]}]}`;
          for (const [at, insert] of changes) {
            const i = at % (text.length + 1);
            text =
              insert === ''
                ? text.slice(0, i) + text.slice(i + 1)
                : text.slice(0, i) + insert + text.slice(i);
          }
          let valid = true;
          try {
            JSON.parse(text);
          } catch {
            valid = false;
          }
          if (valid) expect(() => parseInferJson(Buffer.from(text))).not.toThrow();
          else expect(() => parseInferJson(Buffer.from(text))).toThrow(/^malformed JSON body: /);
        },
      ),
      { numRuns: Number(process.env.RUNS ?? 2000) },
    );
  });
});
