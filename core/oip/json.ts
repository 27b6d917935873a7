import { InvalidInputError } from './errors.js';

/**
 * Parses a request's JSON. INT64/UINT64 values beyond 2^53 must survive exactly, which JSON.parse
 * cannot do (it rounds them to doubles), so bodies that mention those datatypes go through a small
 * parser that keeps such integers as bigint. Everything else takes the native fast path.
 */
export function parseJson(text: string): unknown {
  try {
    return text.includes('INT64') ? new BigIntJsonParser(text).parseDocument() : JSON.parse(text);
  } catch (error) {
    throw new InvalidInputError(`malformed JSON body: ${(error as Error).message}`);
  }
}

class BigIntJsonParser {
  private pos = 0;
  constructor(private readonly text: string) {}

  parseDocument(): unknown {
    const value = this.parseValue();
    this.skipSpace();
    if (this.pos < this.text.length) this.fail('unexpected text after the JSON value');
    return value;
  }

  private parseValue(): unknown {
    this.skipSpace();
    const c = this.text.charCodeAt(this.pos);
    if (c === 0x7b) return this.parseObject();
    if (c === 0x5b) return this.parseArray();
    if (c === 0x22) return this.parseString();
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.parseNumber();
    if (this.text.startsWith('true', this.pos)) return this.literal(4, true);
    if (this.text.startsWith('false', this.pos)) return this.literal(5, false);
    if (this.text.startsWith('null', this.pos)) return this.literal(4, null);
    return this.fail(
      this.pos >= this.text.length ? 'unexpected end of input' : 'unexpected character',
    );
  }

  private literal<T>(length: number, value: T): T {
    this.pos += length;
    return value;
  }

  private parseObject(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    this.pos++;
    this.skipSpace();
    if (this.text.charCodeAt(this.pos) === 0x7d) {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipSpace();
      if (this.text.charCodeAt(this.pos) !== 0x22) this.fail('expected a property name');
      const key = this.parseString();
      this.skipSpace();
      if (this.text.charCodeAt(this.pos) !== 0x3a) this.fail("expected ':'");
      this.pos++;
      // defineProperty, not assignment: a "__proto__" key must stay data, as with JSON.parse.
      Object.defineProperty(out, key, {
        value: this.parseValue(),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      this.skipSpace();
      const c = this.text.charCodeAt(this.pos++);
      if (c === 0x7d) return out;
      if (c !== 0x2c) this.fail("expected ',' or '}'", -1);
    }
  }

  private parseArray(): unknown[] {
    const out: unknown[] = [];
    this.pos++;
    this.skipSpace();
    if (this.text.charCodeAt(this.pos) === 0x5d) {
      this.pos++;
      return out;
    }
    for (;;) {
      out.push(this.parseValue());
      this.skipSpace();
      const c = this.text.charCodeAt(this.pos++);
      if (c === 0x5d) return out;
      if (c !== 0x2c) this.fail("expected ',' or ']'", -1);
    }
  }

  private parseString(): string {
    const start = this.pos;
    this.pos++;
    let escaped = false;
    for (;;) {
      const c = this.text.charCodeAt(this.pos++);
      if (Number.isNaN(c)) this.fail('unterminated string');
      if (c === 0x5c) {
        escaped = true;
        this.pos++;
      } else if (c === 0x22) break;
      else if (c < 0x20) this.fail('control character in string', -1);
    }
    const raw = this.text.slice(start, this.pos);
    // Escapes are rare in tensor requests; JSON.parse decodes them exactly as the spec says.
    return escaped ? (JSON.parse(raw) as string) : raw.slice(1, -1);
  }

  private parseNumber(): number | bigint {
    NUMBER.lastIndex = this.pos;
    const match = NUMBER.exec(this.text);
    if (match === null) return this.fail('invalid number');
    const literal = match[0];
    this.pos += literal.length;
    const value = Number(literal);
    const integer = match[1] === undefined && match[2] === undefined;
    return integer && !Number.isSafeInteger(value) ? BigInt(literal) : value;
  }

  private skipSpace(): void {
    for (;;) {
      const c = this.text.charCodeAt(this.pos);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return;
      this.pos++;
    }
  }

  private fail(message: string, offset = 0): never {
    throw new SyntaxError(`${message} at position ${this.pos + offset}`);
  }
}

// Sticky, so it matches at `lastIndex` without slicing the text; groups: fraction, exponent.
const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
