import { InvalidInputError } from './errors.js';
import {
  INEXACT_WITHIN,
  type LoadedDocument,
  loadAsciiText,
  loadBase64,
  loadDocument,
} from './number-scan.js';

/**
 * Whether a body may name INT64 or UINT64: as plain text, or with \u escapes, which JSON allows in
 * a datatype ("\u0049NT64") and which only a parse would read.
 */
function mayNameInt64(body: { includes(value: string): boolean }): boolean {
  return body.includes('INT64') || body.includes('\\u');
}

/**
 * Parses a request's JSON. INT64/UINT64 values beyond 2^53 must survive exactly, which JSON.parse
 * cannot do (it rounds them to doubles), so bodies that mention those datatypes go through a small
 * parser that keeps such integers as bigint. Everything else takes the native fast path.
 */
export function parseJson(text: string): unknown {
  try {
    return mayNameInt64(text)
      ? new JsonParser(Buffer.from(text, 'utf8'), { bigints: always, tensorData: false }).document()
      : JSON.parse(text);
  } catch (error) {
    throw new InvalidInputError(`malformed JSON body: ${(error as Error).message}`);
  }
}

/**
 * Parses an inference request body, as parseJson would parse its text, except that the request's
 * `parameters` keep their numbers as sent (see NumberLiteral) and that each input's
 * `data` made only of numbers (flat, or nested with an array first) comes back as TensorNumbers: the
 * numbers scanned once, without an array of JS values, ready to go straight into a typed array once
 * the input's datatype is known. JSON.parse of a 224x224x3 FP32 image costs several times the model.
 */
export function parseInferJson(bytes: Uint8Array): unknown {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return parseInfer(
    new JsonParser(buffer, {
      bigints: once(() => mayNameInt64(buffer)),
      tensorData: true,
    }),
  );
}

/**
 * parseInferJson of a body's text, written straight into the number scanner's memory, when the text
 * is all ASCII (as JSON of numbers is); undefined for any other text, which the caller encodes.
 */
export function parseInferJsonText(text: string): { readonly document: unknown } | undefined {
  const loaded = loadAsciiText(text);
  // Later copies come from the text: ASCII, one byte per character.
  return (
    loaded &&
    parseLoaded(
      loaded,
      () => mayNameInt64(text),
      (start, end) => Buffer.from(text.slice(start, end), 'latin1'),
    )
  );
}

/**
 * parseInferJson of a body delivered base64-encoded, decoded straight into the number scanner's
 * memory; undefined where it is not canonical base64 or the scanner's memory is unavailable.
 */
export function parseInferJsonBase64(base64: string): { readonly document: unknown } | undefined {
  const loaded = loadBase64(base64);
  // From the request's own text, never the scanner's memory: the question may come after an await
  // (decoding waits for the model's routing), by when another request's body may be there.
  return (
    loaded &&
    parseLoaded(loaded, () => mayNameInt64(Buffer.from(base64, 'base64')), base64Range(base64))
  );
}

/** A document in the scanner's memory, parsed; `copy` gives its bytes again once the memory moves on. */
function parseLoaded(
  { bytes, document }: { readonly bytes: Uint8Array; readonly document: LoadedDocument },
  mentionsInt64: () => boolean,
  copy: (start: number, end: number) => Buffer,
): { readonly document: unknown } {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const options = { bigints: once(mentionsInt64), tensorData: true };
  return { document: parseInfer(new JsonParser(buffer, options, { copy, document })) };
}

/** Bytes start to end of what `base64` decodes to, decoding only the groups of four that hold them. */
function base64Range(base64: string): (start: number, end: number) => Buffer {
  return (start, end) => {
    const first = Math.floor(start / 3);
    const decoded = Buffer.from(base64.slice(first * 4, Math.ceil(end / 3) * 4), 'base64');
    return decoded.subarray(start - first * 3, end - first * 3);
  };
}

const always = () => true;

/**
 * A number in a request's `parameters` that no double holds as written: an integer beyond 2^53, or
 * a value beyond a double's range. Parameters are echoed in the response, so such a number is kept
 * as its JSON text and written back as it came, a number still, whatever else the body holds.
 */
export class NumberLiteral {
  constructor(readonly text: string) {}
}

/** `answer`, computed on the first call only. */
function once(answer: () => boolean): () => boolean {
  let known: boolean | undefined;
  return () => {
    known ??= answer();
    return known;
  };
}

function parseInfer(parser: JsonParser): unknown {
  try {
    return parser.document();
  } catch (error) {
    throw new InvalidInputError(`malformed JSON body: ${(error as Error).message}`);
  }
}

/**
 * A tensor's JSON numbers, flattened in row-major order. When `exact`, `values` are the very numbers
 * parseJson gives; otherwise (digits beyond 2^53, or powers of ten beyond 1e22, as the 17-digit
 * decimals clients write for FP32 values have) each is within a relative 1e-14 of it. That is enough
 * to round to FP32 exactly as parseJson's double would round, except that close to a rounding
 * boundary, where toFloat32 gives up and the caller parses the slow, exact way with toArray().
 * A Float32Array holds numbers already rounded that way: the input was declared FP32 before its data.
 */
export class TensorNumbers {
  constructor(
    readonly values: Float64Array | Float32Array,
    readonly exact: boolean,
    /** Some value rounds to ±Infinity as FP32: for an FP32 input, out of range. */
    readonly beyondFloat32: boolean,
    /** Parses the same JSON text into JS values, as parseJson would have. */
    readonly toArray: () => unknown[],
  ) {}

  get length(): number {
    return this.values.length;
  }

  /**
   * The numbers rounded to FP32 as JSON.parse's doubles would round, or undefined where that takes
   * the exact parse, or where some value is beyond FP32's range (the fill then names it).
   */
  toFloat32(): Float32Array | undefined {
    if (this.values instanceof Float32Array) return this.values;
    if (this.beyondFloat32) return undefined;
    const out = new Float32Array(this.values.length);
    if (this.exact) {
      out.set(this.values); // rounds each double to the nearest float, natively
      return out;
    }
    const values = this.values;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      const f = Math.fround(v);
      // The exact double lies within v * (1 +- 1e-14); when both ends round to the same float, so does
      // it (fround is monotonic). NaN (a runaway approximation) fails the comparison too.
      const d = Math.abs(v) * INEXACT_WITHIN;
      if (Math.fround(v - d) !== f || Math.fround(v + d) !== f) return undefined;
      out[i] = f;
    }
    return out;
  }
}

interface ParserOptions {
  /**
   * Whether integers beyond 2^53 become bigint (the body may name INT64: mayNameInt64), except in the request's
   * parameters. Asked only when such an integer is met: searching a 3 MB body for the word took
   * longer than a tenth of its scan.
   */
  readonly bigints: () => boolean;
  /** Inputs' numeric `data` become TensorNumbers (an inference request). */
  readonly tensorData: boolean;
}

/**
 * Where a value sits in an inference request: only inputs' data arrays are read as tensors, and only
 * the request's parameters (which are echoed) keep numbers as written.
 */
type At = 'other' | 'request' | 'parameters' | 'inputs' | 'input' | 'data';

/** Where the value of an object's member `key` sits, the object sitting at `at`. */
function memberAt(at: At, key: string): At {
  if (at === 'request')
    return key === 'inputs' ? 'inputs' : key === 'parameters' ? 'parameters' : 'other';
  if (at === 'input') return key === 'data' ? 'data' : 'other';
  return at === 'parameters' ? at : 'other';
}

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);
const NEGATIVE_POW10 = Array.from({ length: 23 }, (_, i) => 10 ** -i);
const TWO_53 = 2 ** 53;
/**
 * The smallest magnitude FP32 rounds to Infinity: halfway from its largest value, 2^128 - 2^104, to
 * 2^128, where the tie goes to 2^128 (the largest value's mantissa is odd).
 */
const FP32_INFINITE_FROM = 2 ** 128 - 2 ** 103;
// Deep enough for any real tensor; deeper data takes the general path, which applies the limit.
const MAX_TENSOR_DEPTH = 30;
/**
 * Objects and arrays within each other, at most. Far beyond any request's, and it keeps what walks a
 * document recursively later (the echo of `parameters` in the response) well inside the stack: 4,000
 * levels of parameters overflowed it, a 500 after the model had run.
 */
const MAX_NESTING = 128;

/**
 * Strict UTF-8, for text that must come back as sent: bytes that are not UTF-8 throw instead of
 * becoming U+FFFD, and ignoreBOM keeps a leading U+FEFF, which the decoder otherwise drops.
 */
export const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Short ASCII strings seen lately, by a hash of their bytes: the parser's strings mostly repeat. */
const INTERNED: (string | undefined)[] = new Array(256).fill(undefined);
const MAX_INTERNED = 32;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** Whether the four bytes of a little-endian word are all ASCII digits. */
function isFourDigits(word: number): boolean {
  // Digits are 0x30-0x39: high nibble 3, and still 3 once 6 is added to the low nibble.
  return ((word & 0xf0f0f0f0) | (((word + 0x06060606) & 0xf0f0f0f0) >>> 4)) === 0x33333333;
}

/** The value of four ASCII digits in a little-endian word, first digit in the lowest byte. */
function fourDigits(word: number): number {
  let v = word & 0x0f0f0f0f;
  v = (v * 10 + (v >>> 8)) & 0x00ff00ff; // pairs: d0d1 in byte 0, d2d3 in byte 2
  return (v * 100 + (v >>> 16)) & 0xffff;
}

/** A strict JSON parser over UTF-8 bytes (RFC 8259: what JSON.parse accepts, nothing more). */
class JsonParser {
  private pos = 0;
  /** Objects and arrays open around the position. */
  private depth = 0;
  /** The document in the WebAssembly scanner's memory: given with its text, or loaded once an input's data is met; null: not there. */
  private loaded: LoadedDocument | null | undefined;
  /** Copies of `bytes` from what they were written from, when they lie in the scanner's memory. */
  private readonly copy: ((start: number, end: number) => Buffer) | undefined;

  constructor(
    private readonly bytes: Buffer,
    private readonly options: ParserOptions,
    inScanner?: {
      readonly copy: (start: number, end: number) => Buffer;
      readonly document: LoadedDocument;
    },
  ) {
    this.copy = inScanner?.copy;
    this.loaded = inScanner?.document;
  }

  document(): unknown {
    const value = this.value(this.options.tensorData ? 'request' : 'other');
    this.skipSpace();
    if (this.pos < this.bytes.length) this.fail('unexpected text after the JSON value');
    return value;
  }

  /** `float32`: at an input's data, the input declared FP32 before it. */
  private value(at: At, float32 = false): unknown {
    this.skipSpace();
    const c = this.bytes[this.pos];
    if (c === 0x7b) return this.nested(() => this.object(at));
    if (c === 0x5b)
      return at === 'data' ? this.tensorData(float32) : this.nested(() => this.array(at));
    if (c === 0x22) return this.string();
    if (c === 0x2d || (c !== undefined && c >= 0x30 && c <= 0x39))
      return this.number(at === 'parameters');
    if (this.literal('true')) return true;
    if (this.literal('false')) return false;
    if (this.literal('null')) return null;
    return this.fail(c === undefined ? 'unexpected end of input' : 'unexpected character');
  }

  private nested<T>(parse: () => T): T {
    if (++this.depth > MAX_NESTING) this.fail(`nested deeper than ${MAX_NESTING} levels`);
    try {
      return parse();
    } finally {
      this.depth--;
    }
  }

  private literal(word: string): boolean {
    for (let i = 0; i < word.length; i++) {
      if (this.bytes[this.pos + i] !== word.charCodeAt(i)) return false;
    }
    this.pos += word.length;
    return true;
  }

  private object(at: At): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    this.pos++;
    this.skipSpace();
    if (this.bytes[this.pos] === 0x7d) {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipSpace();
      if (this.bytes[this.pos] !== 0x22) this.fail('expected a property name');
      const key = this.string();
      this.skipSpace();
      if (this.bytes[this.pos] !== 0x3a) this.fail("expected ':'");
      this.pos++;
      const child = memberAt(at, key);
      const value = this.value(child, child === 'data' && out.datatype === 'FP32');
      // A "__proto__" key must stay data, as with JSON.parse; assignment would set the prototype.
      // Only then defineProperty: it turns an object into a slow dictionary.
      if (key === '__proto__')
        Object.defineProperty(out, key, {
          value,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      else out[key] = value;
      this.skipSpace();
      const c = this.bytes[this.pos++];
      if (c === 0x7d) return out;
      if (c !== 0x2c) this.fail("expected ',' or '}'", -1);
    }
  }

  private array(at: At): unknown[] {
    const out: unknown[] = [];
    const element = at === 'inputs' ? 'input' : at === 'parameters' ? 'parameters' : 'other';
    this.pos++;
    this.skipSpace();
    if (this.bytes[this.pos] === 0x5d) {
      this.pos++;
      return out;
    }
    for (;;) {
      out.push(this.value(element));
      this.skipSpace();
      const c = this.bytes[this.pos++];
      if (c === 0x5d) return out;
      if (c !== 0x2c) this.fail("expected ',' or ']'", -1);
    }
  }

  /**
   * An input's data: numbers, scanned straight into TensorNumbers. Anything else (strings, booleans,
   * arrays after numbers, malformed text) is left to the general path, from the same position, which
   * parses or refuses it exactly as it would any array.
   */
  private tensorData(float32: boolean): TensorNumbers | unknown[] {
    const start = this.pos;
    const numbers = this.scanFlatNumbers(float32) ?? this.scanNumbers();
    if (numbers !== undefined) return numbers;
    this.pos = start;
    return this.array('other');
  }

  /**
   * Flat numeric data through the WebAssembly scanner (number-scan.ts), whatever the body's size:
   * Silero's 15 KiB parse in 50 µs instead of 73 (docs/benchmarks.md). Undefined to scan it here.
   */
  private scanFlatNumbers(float32: boolean): TensorNumbers | undefined {
    this.loaded ??= loadDocument(this.bytes) ?? null;
    const scanned = this.loaded?.scan(this.pos, float32);
    if (scanned === undefined) return undefined;
    const start = this.pos;
    this.pos = scanned.end;
    // Its values are all below 1e38, within FP32's range.
    return this.tensorNumbers(scanned.values, scanned.exact, false, start, scanned.end);
  }

  private tensorNumbers(
    values: Float64Array | Float32Array,
    exact: boolean,
    beyondFloat32: boolean,
    start: number,
    end: number,
  ) {
    return new TensorNumbers(
      values,
      exact,
      beyondFloat32,
      () =>
        new JsonParser(this.slice(start, end), {
          ...this.options,
          tensorData: false,
        }).document() as unknown[],
    );
  }

  /**
   * Bytes of the document to parse again later. The scanner's memory holds the next document by then
   * (another request's, in a server), so those are copied from what was written there.
   */
  private slice(start: number, end: number): Buffer {
    return this.copy === undefined ? this.bytes.subarray(start, end) : this.copy(start, end);
  }

  private scanNumbers(): TensorNumbers | undefined {
    const b = this.bytes;
    // Four digits at a time: about twice as fast on the 16-17 digit fractions clients send for FP32.
    const words = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const lastWord = b.length - 4;
    const start = this.pos;
    // A number takes at least two bytes with its comma, and the 17-digit decimals of FP32 values take
    // about twenty: an eighth of what is left holds them without growing (and copying) as they come.
    let values = new Float64Array(Math.max(1024, (b.length - start) >> 3));
    let count = 0;
    let exact = true;
    let beyondFloat32 = false;
    let depth = 1;
    let pos = start + 1;
    let afterOpen = true; // a ']' may close an empty array here
    // Nested data has an array first and is flattened whole; flat data has no arrays at all. This
    // mirrors how decodeJsonData treats data in JS arrays.
    while (isSpace(b[pos]!)) pos++;
    const nested = b[pos] === 0x5b;
    // Past the end b[pos] is undefined, which every comparison below rejects: no separate check.
    value: for (;;) {
      let c = b[pos]!;
      if (isSpace(c)) {
        pos++;
        continue;
      }
      if (c === 0x5b) {
        if (!nested || depth >= MAX_TENSOR_DEPTH) return undefined;
        depth++;
        pos++;
        afterOpen = true;
        continue;
      }
      if (c !== 0x5d) {
        // A number, by JSON's grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
        let negative = false;
        if (c === 0x2d) {
          negative = true;
          c = b[++pos]!;
        }
        if (!(c >= 0x30 && c <= 0x39)) return undefined;
        let mantissa = 0;
        let scale = 0; // digits after the point
        if (c === 0x30) {
          c = b[++pos]!; // a leading zero stands alone; a digit after it fails below, as JSON requires
        } else {
          do {
            mantissa = mantissa * 10 + (c - 0x30);
            c = b[++pos]!;
          } while (c >= 0x30 && c <= 0x39);
        }
        if (c === 0x2e) {
          c = b[++pos]!;
          if (!(c >= 0x30 && c <= 0x39)) return undefined;
          while (pos <= lastWord - 4) {
            const high = words.getUint32(pos, true);
            const low = words.getUint32(pos + 4, true);
            if (!isFourDigits(high) || !isFourDigits(low)) break;
            mantissa = mantissa * 100_000_000 + (fourDigits(high) * 10_000 + fourDigits(low));
            scale += 8;
            pos += 8;
          }
          if (pos <= lastWord) {
            const word = words.getUint32(pos, true);
            if (isFourDigits(word)) {
              mantissa = mantissa * 10_000 + fourDigits(word);
              scale += 4;
              pos += 4;
            }
          }
          c = b[pos]!;
          while (c >= 0x30 && c <= 0x39) {
            mantissa = mantissa * 10 + (c - 0x30);
            scale++;
            c = b[++pos]!;
          }
        }
        let exponent = 0;
        if (c === 0x65 || c === 0x45) {
          c = b[++pos]!;
          let sign = 1;
          if (c === 0x2b || c === 0x2d) {
            sign = c === 0x2d ? -1 : 1;
            c = b[++pos]!;
          }
          if (!(c >= 0x30 && c <= 0x39)) return undefined;
          do {
            if (exponent < 100_000) exponent = exponent * 10 + (c - 0x30);
            c = b[++pos]!;
          } while (c >= 0x30 && c <= 0x39);
          exponent *= sign;
        }
        const power = exponent - scale;
        let number: number;
        if (mantissa === 0) number = 0;
        else if (mantissa < TWO_53 && power >= -22 && power <= 22) {
          // Powers of ten up to 1e22 are exact doubles, so this is one correctly rounded operation
          // on exact operands: the very double JSON.parse returns.
          number = power >= 0 ? mantissa * POW10[power]! : mantissa / POW10[-power]!;
        } else if (power >= -22 && power <= 22) {
          // Each step past 2^53 rounded once, and so does a multiplication by 10^-k: below 1e40
          // that is under 25 units in the last place, well inside toFloat32's 1e-14. Longer numbers
          // take the exact path.
          if (mantissa >= 1e40) return undefined;
          exact = false;
          number = power >= 0 ? mantissa * POW10[power]! : mantissa * NEGATIVE_POW10[-power]!;
          // Checked only here and below: the exact case above stays under 2^53 x 1e22, within FP32.
          if (number >= FP32_INFINITE_FROM) beyondFloat32 = true;
        } else {
          if (mantissa >= 1e40 || power > 300 || power < -300) return undefined;
          exact = false; // 10 ** power adds a few units in the last place more
          number = power >= 0 ? mantissa * 10 ** power : mantissa / 10 ** -power;
          if (number >= FP32_INFINITE_FROM) beyondFloat32 = true;
        }
        if (count === values.length) {
          const grown = new Float64Array(values.length * 2);
          grown.set(values);
          values = grown;
        }
        values[count++] = negative ? -number : number;
      } else if (!afterOpen) return undefined; // "[1,]"

      // After a value (or an empty array): commas, closing brackets and whitespace.
      for (;;) {
        if (c === 0x2c) {
          pos++;
          afterOpen = false;
          continue value;
        }
        if (c === 0x5d) {
          pos++;
          if (--depth === 0) break value;
        } else if (isSpace(c)) pos++;
        else return undefined;
        c = b[pos]!;
      }
    }
    this.pos = pos;
    return this.tensorNumbers(values.subarray(0, count), exact, beyondFloat32, start, pos);
  }

  private string(): string {
    const b = this.bytes;
    const start = this.pos;
    this.pos++;
    let escaped = false;
    let ascii = true;
    let hash = 0;
    for (;;) {
      const c = b[this.pos++];
      if (c === 0x22) break;
      if (c === undefined) this.fail('unterminated string');
      if (c === 0x5c) {
        escaped = true;
        this.pos++;
      } else if (c < 0x20) this.fail('control character in string', -1);
      ascii &&= c < 0x80;
      hash = (hash * 31 + c) | 0;
    }
    // Multi-byte UTF-8 never contains quote, backslash or control bytes, so scanning bytes is safe.
    // Escapes are rare in tensor requests; JSON.parse decodes them exactly as the spec says.
    if (escaped) return JSON.parse(this.utf8(start, this.pos, start)) as string;
    const length = this.pos - start - 2;
    if (!ascii) return this.utf8(start + 1, this.pos - 1, start);
    if (length > MAX_INTERNED) return b.toString('utf8', start + 1, this.pos - 1);
    // Keys, datatypes and names repeat from request to request: reuse the string when the bytes match.
    const slot = hash & (INTERNED.length - 1);
    const known = INTERNED[slot];
    if (known !== undefined && known.length === length) {
      let i = 0;
      while (i < length && known.charCodeAt(i) === b[start + 1 + i]) i++;
      if (i === length) return known;
    }
    const text = b.toString('latin1', start + 1, this.pos - 1);
    INTERNED[slot] = text;
    return text;
  }

  /**
   * The text of bytes start to end. JSON text is UTF-8 (RFC 8259, section 8.1): toString('utf8') would
   * make bytes that are not into U+FFFD, changing a BYTES element without a word, so they are refused
   * (at `quote`, where the string starts).
   */
  private utf8(start: number, end: number, quote: number): string {
    try {
      return UTF8.decode(this.bytes.subarray(start, end));
    } catch {
      return this.fail('string is not valid UTF-8', quote - this.pos);
    }
  }

  /** `asWritten`: in parameters, where a number no double holds stays a NumberLiteral. */
  private number(asWritten = false): number | bigint | NumberLiteral {
    const b = this.bytes;
    const start = this.pos;
    let c = b[this.pos];
    const negative = c === 0x2d;
    if (negative) c = b[++this.pos];
    let integer = true;
    const digitsStart = this.pos;
    let whole = 0; // the integer part, exact while it has at most 15 digits
    if (c === 0x30) c = b[++this.pos];
    else if (c !== undefined && c >= 0x31 && c <= 0x39) {
      do {
        whole = whole * 10 + (c - 0x30);
        c = b[++this.pos];
      } while (c !== undefined && c >= 0x30 && c <= 0x39);
    } else this.fail('invalid number');
    // Shapes, sizes and counts: short integers, returned without slicing and re-reading their text.
    if (c !== 0x2e && c !== 0x65 && c !== 0x45 && this.pos - digitsStart <= 15)
      return negative ? -whole : whole;
    if (c === 0x2e) {
      integer = false;
      c = b[++this.pos];
      if (c === undefined || c < 0x30 || c > 0x39) this.fail('invalid number');
      c = this.digits();
    }
    if (c === 0x65 || c === 0x45) {
      integer = false;
      c = b[++this.pos];
      if (c === 0x2b || c === 0x2d) c = b[++this.pos];
      if (c === undefined || c < 0x30 || c > 0x39) this.fail('invalid number');
      this.digits();
    }
    const literal = b.toString('latin1', start, this.pos);
    const parsed = Number(literal);
    if (asWritten) {
      // Not bigint: a parameter's integer is only echoed, and its text needs no BigInt parse and print.
      return (integer && !Number.isSafeInteger(parsed)) || !Number.isFinite(parsed)
        ? new NumberLiteral(literal)
        : parsed;
    }
    return integer && !Number.isSafeInteger(parsed) && this.options.bigints()
      ? BigInt(literal)
      : parsed;
  }

  /** Skips digits; returns the byte after them. */
  private digits(): number | undefined {
    const b = this.bytes;
    let c = b[this.pos];
    while (c !== undefined && c >= 0x30 && c <= 0x39) c = b[++this.pos];
    return c;
  }

  private skipSpace(): void {
    const b = this.bytes;
    for (;;) {
      const c = b[this.pos];
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return;
      this.pos++;
    }
  }

  private fail(message: string, offset = 0): never {
    throw new SyntaxError(`${message} at position ${this.pos + offset}`);
  }
}
