import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  helperReady,
  loadAsciiText,
  loadBase64,
  loadDocument,
  scansHelped,
} from '../../../../core/oip/number-scan.js';
import { ROOT } from '../../../helpers/processes.js';

/** Scans `[...]` placed after some leading text, as an input's data sits inside a request. */
function scan(array: string, float32 = false) {
  const bytes = Buffer.from(`{"data":${array}}`, 'latin1');
  const document = loadDocument(bytes);
  if (document === undefined)
    throw new Error('WebAssembly is available on every runtime maas supports');
  const scanned = document.scan(8, float32);
  if (scanned !== undefined) expect(bytes[scanned.end]).toBe(0x7d); // just after the array
  return scanned;
}

/** Typed arrays compared by their bytes (so -0 is not 0): the first index where they differ, or -1. */
function firstDifference(
  actual: ArrayBufferView | undefined,
  expected: Float32Array | Float64Array,
) {
  if (actual === undefined || actual.constructor !== expected.constructor) return 'another type';
  const bytes = (v: ArrayBufferView) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  if (actual.byteLength !== expected.byteLength)
    return `length ${actual.byteLength / expected.BYTES_PER_ELEMENT}`;
  if (bytes(actual).equals(bytes(expected))) return -1;
  return Array.from(expected).findIndex((v, i) => !Object.is((actual as Float64Array)[i], v));
}

// Numbers as clients write them: FP32 values as 17-digit decimals, and every shape JSON allows.
const numberText = fc.oneof(
  fc.float({ noNaN: true, noDefaultInfinity: true }).map((v) => JSON.stringify(v)),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((v) => JSON.stringify(v)),
  fc.integer().map(String),
  fc.stringMatching(/^-?(0|[1-9]\d{0,20})(\.\d{1,22})?([eE][+-]?\d{1,3})?$/),
);

describe('the WebAssembly number scanner', () => {
  it('gives the doubles JSON.parse gives, or marks them approximate within 1e-14, or gives up', () => {
    fc.assert(
      fc.property(
        fc.array(numberText, { minLength: 1, maxLength: 30 }),
        fc.boolean(),
        (texts, spaced) => {
          const text = spaced ? `[ ${texts.join(' ,\n\t')} ]` : `[${texts.join(',')}]`;
          const scanned = scan(text);
          if (scanned === undefined) return;
          const expected = JSON.parse(text) as number[];
          expect(scanned.values).toHaveLength(expected.length);
          scanned.values.forEach((v, i) => {
            const want = expected[i]!;
            if (scanned.exact) expect(Object.is(v, want)).toBe(true);
            else if (!Object.is(v, want))
              expect(Math.abs(v - want)).toBeLessThanOrEqual(Math.abs(want) * 1e-14);
          });
        },
      ),
      { numRuns: Number(process.env.RUNS ?? 1000) },
    );
  });

  it("rounds to FP32 as JSON.parse's doubles round, or gives up, for an input declared FP32", () => {
    fc.assert(
      fc.property(fc.array(numberText, { minLength: 1, maxLength: 30 }), (texts) => {
        const text = `[${texts.join(',')}]`;
        const scanned = scan(text, true);
        if (scanned === undefined) return;
        expect(scanned.values).toBeInstanceOf(Float32Array);
        expect(scanned.exact).toBe(false); // rounded: never the doubles other datatypes need
        const expected = (JSON.parse(text) as number[]).map(Math.fround);
        expect(Array.from(scanned.values)).toEqual(expected); // -0 too: toEqual tells it from 0
      }),
      { numRuns: Number(process.env.RUNS ?? 1000) },
    );
  });

  it('gives up on a twice-rounded value too close to an FP32 rounding boundary to round alone', () => {
    // Halfway between the floats 1 and 1 + 2^-23, less 1e-17: rounds down, but an approximation
    // within 1e-14 could round either way. Doubles keep it; FP32 leaves it to the exact parse.
    const text = '[1.00000005960464476]';
    expect(scan(text)?.exact).toBe(false);
    expect(scan(text, true)).toBeUndefined();
    expect(scan('[0.5, 1.00000005960464476]', true)).toBeUndefined(); // wherever it comes
  });

  it('takes the numbers clients send for FP32 tensors without giving up', () => {
    fc.assert(
      fc.property(
        // Down to 1e-28: 17 digits after the point and e-28 is as far as it goes (a power of 1e-44).
        fc.array(
          fc
            .float({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 })
            .filter((v) => v === 0 || Math.abs(v) >= 1e-28),
          { minLength: 1 },
        ),
        (floats) => {
          const text = JSON.stringify(floats);
          const scanned = scan(text);
          expect(scanned).toBeDefined();
          // Each is a float written in full, so even a value rounded twice is that float again.
          expect(Float32Array.from(scanned!.values)).toEqual(Float32Array.from(JSON.parse(text)));
          expect(scan(text, true)?.values).toEqual(Float32Array.from(JSON.parse(text)));
        },
      ),
    );
  });

  it('marks values below 1e-22 approximate, rounded twice', () => {
    const scanned = scan('[1.5e-25, -2e-30]');
    expect(scanned?.exact).toBe(false);
    expect(Math.abs(scanned!.values[0]! - 1.5e-25)).toBeLessThanOrEqual(1.5e-25 * 1e-15);
    expect(Math.abs(scanned!.values[1]! + 2e-30)).toBeLessThanOrEqual(2e-30 * 1e-15);
  });

  it('is exact for short mantissas, including -0 and exponents', () => {
    const scanned = scan('[0, -0, 1.5, -2e-3, 1E2, 12345678901234, 0.1, 7e+19, 1e-22]');
    expect(scanned?.exact).toBe(true);
    expect(Array.from(scanned!.values)).toEqual([
      0, -0, 1.5, -0.002, 100, 12345678901234, 0.1, 7e19, 1e-22,
    ]);
  });

  it.each([
    ['an empty array', '[]'],
    ['nested arrays', '[[1, 2], [3]]'],
    ['a trailing comma', '[1,]'],
    ['a leading zero', '[01]'],
    ['a bare point', '[1.]'],
    ['a point first', '[.5]'],
    ['a bare exponent', '[1e]'],
    ['a lone minus', '[-]'],
    ['a plus sign', '[+1]'],
    ['strings', '["1"]'],
    ['literals', '[true]'],
    ['more than 19 digits', '[0.12345678901234567890]'],
    ['a power beyond 1e19', '[1e20]'],
    ['a power below 1e-44', '[1.5e-44]'],
    ['a value FP32 cannot hold', '[1, 3.4028235677973366e38]'],
    ['a negative value FP32 cannot hold', '[-1e39, 1]'],
    ['an unclosed array', '[1, 2'],
  ])('gives up on %s, for the general scanner to decide', (_, array) => {
    expect(scan(array)).toBeUndefined();
    expect(scan(array, true)).toBeUndefined();
  });

  it("takes powers of ten only up to 1e19, so that every value it gives lies within FP32's range", () => {
    // Beyond it, the general scanner marks what FP32 cannot hold, for an FP32 input to refuse.
    const largest = '[9999999999999999999e19, -9999999999999999999e19]';
    const expected = (JSON.parse(largest) as number[]).map(Math.fround);
    expect(expected.every(Number.isFinite)).toBe(true);
    expect(Array.from(scan(largest, true)!.values)).toEqual(expected);
    expect(scan('[1e20]', true)).toBeUndefined();
  });

  it('scans more values than one call holds, in order', () => {
    const values = Array.from({ length: 200_000 }, (_, i) => (i % 1000) / 8);
    const scanned = scan(JSON.stringify(values));
    expect(firstDifference(scanned?.values, Float64Array.from(values))).toBe(-1);
    expect(
      firstDifference(scan(JSON.stringify(values), true)?.values, Float32Array.from(values)),
    ).toBe(-1);
  });

  it('takes ASCII text as its bytes, in one write, and refuses any other text', () => {
    const text = '{"data":[1.5, -2e3]}';
    const loaded = loadAsciiText(text);
    expect(Buffer.from(loaded!.bytes).toString('latin1')).toBe(text);
    expect(Array.from(loaded!.document.scan(8)!.values)).toEqual([1.5, -2000]);
    // One character beyond ASCII anywhere, even one whose Latin-1 byte would fit, an astral one, or
    // one whose low byte is ASCII (U+0130 '0', U+012C ',', U+015D ']').
    for (const other of ['\u00e9', '\u00ff', '\u20ac', '\u{1F600}', '\u0080', '\u0130', '\u012c']) {
      expect(loadAsciiText(`{"data":[1],"id":"${other}"}`)).toBeUndefined();
      expect(loadAsciiText(`${other}{"data":[1]}`)).toBeUndefined();
      expect(loadAsciiText(`{"data":[1${other}]}`)).toBeUndefined();
    }
    expect(loadAsciiText('{"data":[1,2\u015d,3]}')).toBeUndefined();
    // ASCII held two bytes a character (a slice of a string that needed them) is still taken.
    const wide = `\u0130${text}`.slice(1);
    expect(Buffer.from(loadAsciiText(wide)!.bytes).toString('latin1')).toBe(text);
  });

  it('takes any text exactly when it is ASCII, and then as its bytes', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (text) => {
        const loaded = loadAsciiText(text);
        // biome-ignore lint/suspicious/noControlCharactersInRegex: ASCII is what is asked
        if (!/^[\x00-\x7f]*$/.test(text)) return loaded === undefined;
        return Buffer.from(loaded!.bytes).toString('latin1') === text;
      }),
    );
  });

  it('reads each document afresh after a larger one grew its memory', () => {
    const large = Array.from({ length: 300_000 }, () => 0.5);
    expect(scan(JSON.stringify(large))?.values).toHaveLength(large.length);
    expect(Array.from(scan('[3, 4]')!.values)).toEqual([3, 4]);
    // Left over from the large document, past the small one's end, the sentinel still stops the scan.
    expect(scan('[3, 4')).toBeUndefined();
  });
});

describe('the number scanner on two threads', () => {
  // Large enough to be shared (256 KiB and more): about 20 bytes a value.
  const large = (n: number, value: (i: number) => number) =>
    Array.from({ length: n }, (_, i) => value(i));

  it('has a helper thread wherever the machine has more than one core', async () => {
    expect(await helperReady()).toBe(availableParallelism() > 1);
  });

  it('scans a large array in two halves into what one scan gives, FP32 or doubles', async () => {
    const ready = await helperReady();
    const values = large(150_528, (i) => Math.fround(Math.sin(i) * 10 ** ((i % 9) - 4)));
    const text = JSON.stringify(values);
    const before = scansHelped();
    const floats = scan(text, true);
    const doubles = scan(text);
    expect(firstDifference(floats?.values, Float32Array.from(values))).toBe(-1);
    // 17-digit decimals: rounded twice, within 1e-14, so each is the very float written.
    expect(firstDifference(Float32Array.from(doubles!.values), Float32Array.from(values))).toBe(-1);
    expect(doubles?.exact).toBe(false);
    expect(scansHelped() - before).toBe(ready ? 2 : 0);
  });

  it('goes on alone where the half it gave the helper holds more than one call takes', async () => {
    const ready = await helperReady();
    // 400,000 doubles: the helper's 200,000 overflow its 65,536 per call; spaces around the commas.
    const values = large(400_000, (i) => (i % 1000) / 8);
    const text = `[ ${values.join(' , ')} ]`;
    const before = scansHelped();
    const scanned = scan(text);
    expect(firstDifference(scanned?.values, Float64Array.from(values))).toBe(-1);
    expect(scanned?.exact).toBe(true);
    expect(scansHelped() - before).toBe(ready ? 1 : 0);
  });

  it('says a value was rounded twice when only the half the helper took has one', async () => {
    await helperReady();
    const values = large(100_000, (i) => i / 4);
    const text = JSON.stringify([...values, 1.5e-30]);
    expect(scan(text)?.exact).toBe(false);
    expect(scan(JSON.stringify(values))?.exact).toBe(true);
  });

  it.each([
    ['in the half the helper takes', (n: number) => n - 10],
    ['in the half this thread keeps', () => 10],
    ['at the very middle', (n: number) => n >> 1],
  ])('gives up on a bad value %s, for the general scanner to decide', async (_, at) => {
    await helperReady();
    const texts = large(100_000, (i) => i / 4).map(String);
    texts[at(texts.length)] = '"x"';
    expect(scan(`[${texts.join(',')}]`)).toBeUndefined();
    // And the next document is read afresh, whatever the helper was left doing.
    expect(Array.from(scan('[3, 4]')!.values)).toEqual([3, 4]);
  });

  it('scans each of several large inputs in a body in two halves', async () => {
    const ready = await helperReady();
    const first = large(40_000, (i) => i / 8);
    const second = large(40_000, (i) => -(i + 1) / 16);
    const text = `{"a":${JSON.stringify(first)},"b":${JSON.stringify(second)}}`;
    const document = loadDocument(Buffer.from(text, 'latin1'))!;
    const before = scansHelped();
    const a = document.scan(5);
    expect(firstDifference(a?.values, Float64Array.from(first))).toBe(-1);
    expect(a?.end).toBe(text.indexOf(',"b":'));
    const b = document.scan(a!.end + 5);
    expect(firstDifference(b?.values, Float64Array.from(second))).toBe(-1);
    expect(scansHelped() - before).toBe(ready ? 2 : 0);
  });

  /** An inference request's text, with the data last in its input, as clients write it. */
  const request = (datatype: string, values: number[]) =>
    `{"inputs":[{"name":"image","datatype":"${datatype}","shape":[${values.length}],"data":${JSON.stringify(values)}}]}`;
  const dataAt = (text: string) => text.indexOf('"data":') + 7;
  const base64 = (text: string) => Buffer.from(text, 'latin1').toString('base64');

  describe.each([
    ['text', loadAsciiText],
    // As API Gateway hands every body over: decoded into place.
    ['base64 text', (text: string) => loadBase64(base64(text))],
  ])('on a large %s, its second part handed over before the first is written', (_, load) => {
    const loadAsciiText = load;

    it('scans it in two parts into what one scan gives, FP32 or doubles', async () => {
      const ready = await helperReady();
      const values = large(150_528, (i) => Math.fround(Math.cos(i) * 10 ** ((i % 7) - 3)));
      for (const [datatype, float32] of [
        ['FP32', true],
        ['FP64', false],
      ] as const) {
        const text = request(datatype, values);
        const before = scansHelped();
        const loaded = loadAsciiText(text)!;
        expect(Buffer.from(loaded.bytes).toString('latin1')).toBe(text);
        const scanned = loaded.document.scan(dataAt(text), float32);
        const expected = float32 ? Float32Array.from(values) : Float64Array.from(values);
        const got = float32 ? scanned?.values : Float32Array.from(scanned!.values);
        expect(firstDifference(got, Float32Array.from(expected))).toBe(-1);
        expect(scanned?.end).toBe(text.length - 3);
        expect(scansHelped() - before).toBe(ready ? 1 : 0);
      }
    });

    it('goes on alone where the guess was wrong: the mode, or not an array at all', async () => {
      await helperReady();
      const values = large(100_000, (i) => i / 4);
      // Declared FP32, scanned as doubles: the helper's part is in the other mode.
      const text = request('FP32', values);
      let before = scansHelped();
      const doubles = loadAsciiText(text)!.document.scan(dataAt(text));
      expect(firstDifference(doubles?.values, Float64Array.from(values))).toBe(-1);
      expect(scansHelped()).toBe(before);
      // Its second part a string: the helper scans what is no array, and it is never used.
      await helperReady();
      const small = [1.5, -2, 3e-3];
      const other = `{"data":${JSON.stringify(small)},"id":"${'7,'.repeat(200_000)}"}`;
      before = scansHelped();
      const scanned = loadAsciiText(other)!.document.scan(8);
      expect(firstDifference(scanned?.values, Float64Array.from(small))).toBe(-1);
      expect(scansHelped()).toBe(before);
    });

    it('scans each of several inputs in it, the helper on one part at a time', async () => {
      const ready = await helperReady();
      const arrays = [
        large(10_000, (i) => i / 8), // too small to share, before the part handed over
        large(100_000, (i) => -(i + 1) / 16), // holds the part handed over
        large(60_000, (i) => i * 3), // after it: shared as any large array
      ];
      const text = `{${arrays.map((a, i) => `"${i}":${JSON.stringify(a)}`).join(',')}}`;
      const before = scansHelped();
      const { document } = loadAsciiText(text)!;
      let end = 0;
      for (const [i, array] of arrays.entries()) {
        const scanned = document.scan(end + 5);
        expect(firstDifference(scanned?.values, Float64Array.from(array))).toBe(-1);
        end = scanned!.end;
        expect(text[end]).toBe(i === arrays.length - 1 ? '}' : ',');
      }
      expect(scansHelped() - before).toBe(ready ? 2 : 0);
    });

    it('takes a document whose helper part starts with no comma in reach, alone', async () => {
      await helperReady();
      const small = [1.5, -2, 3e-3];
      const text = `{"data":${JSON.stringify(small)},"id":"${'x'.repeat(400_000)}"}`;
      const before = scansHelped();
      const loaded = loadAsciiText(text)!;
      expect(Buffer.from(loaded.bytes).toString('latin1')).toBe(text);
      expect(firstDifference(loaded.document.scan(8)?.values, Float64Array.from(small))).toBe(-1);
      expect(scansHelped()).toBe(before);
    });
  });

  describe('on base64 text', () => {
    it('decodes any size in place, bytes and all, as loadDocument reads them', () => {
      for (const text of ['{"data":[1,2.5,-3e-3]}', `{"data":[${'7,'.repeat(1000)}8],"é":"✓"}`]) {
        const bytes = Buffer.from(text);
        for (const cut of [0, 1, 2]) {
          const encoded = bytes.subarray(0, bytes.length - cut).toString('base64'); // each padding
          const loaded = loadBase64(encoded)!;
          expect(Buffer.from(loaded.bytes).equals(bytes.subarray(0, bytes.length - cut))).toBe(
            true,
          );
        }
        const scanned = loadBase64(bytes.toString('base64'))!.document.scan(8);
        expect(scanned).toEqual(loadDocument(bytes)!.scan(8));
      }
    });

    it('refuses what is not canonical base64, in any chunk, and goes on', async () => {
      const ready = await helperReady();
      expect(loadBase64('eyJ')).toBeUndefined(); // not whole groups of four
      const values = large(100_000, (i) => i / 4);
      const text = request('FP64', values);
      const encoded = base64(text);
      // In the first part, and in the first, a middle and the last chunk the helper is handed.
      for (const at of [0.2, 0.53, 0.7, 0.999]) {
        const i = Math.floor((encoded.length * at) / 4) * 4;
        expect(loadBase64(`${encoded.slice(0, i)}*${encoded.slice(i + 1)}`)).toBeUndefined();
        const free = await Promise.race([helperReady(), sleep(500).then(() => 'still busy')]);
        expect(free).toBe(ready);
        const before = scansHelped();
        const scanned = loadBase64(encoded)!.document.scan(dataAt(text));
        expect(firstDifference(scanned?.values, Float64Array.from(values))).toBe(-1);
        expect(scansHelped() - before).toBe(ready ? 1 : 0);
      }
    });
  });

  describe('on a large text', () => {
    it('refuses a large text with a character beyond ASCII in any chunk, and goes on', async () => {
      const ready = await helperReady();
      const values = large(100_000, (i) => i / 4);
      const text = request('FP64', values);
      // In the first part, and in the first, a middle and the last chunk the helper is handed.
      // A Latin-1 character, and one beyond Latin-1 whose low byte reads as a digit.
      for (const [at, other] of [
        [0.2, '\u00e9'],
        [0.53, '\u0130'],
        [0.7, '\u00e9'],
        [0.999, '\u0130'],
      ] as const) {
        const i = text.indexOf(',', Math.floor(text.length * at));
        expect(loadAsciiText(`${text.slice(0, i)}${other}${text.slice(i)}`)).toBeUndefined();
        // Nothing left behind: the helper is free again at once (not after waiting out its patience
        // for the rest of the text), and the next text scans in two parts.
        const free = await Promise.race([helperReady(), sleep(500).then(() => 'still busy')]);
        expect(free).toBe(ready);
        const before = scansHelped();
        const scanned = loadAsciiText(text)!.document.scan(dataAt(text));
        expect(firstDifference(scanned?.values, Float64Array.from(values))).toBe(-1);
        expect(scansHelped() - before).toBe(ready ? 1 : 0);
      }
    });
  });

  it('never keeps a process alive', async () => {
    // A process that scanned with the helper ends by itself once it has nothing left to do.
    const script = `
      import { helperReady, loadDocument, scansHelped } from './core/oip/number-scan.ts';
      await helperReady();
      const text = JSON.stringify(Array.from({ length: 100_000 }, (_, i) => i / 4));
      loadDocument(Buffer.from('{"data":' + text + '}')).scan(8);
      console.log('helped', scansHelped());`;
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve(null);
      }, 20_000);
      child.on('exit', (exitCode) => {
        clearTimeout(timer);
        resolve(exitCode);
      });
    });
    expect({ code, output: output.trim() }).toEqual({
      code: 0,
      output: `helped ${availableParallelism() > 1 ? 1 : 0}`,
    });
  }, 30_000);
});
