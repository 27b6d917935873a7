import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { InvalidInputError } from '../../../core/oip/errors.js';
import { body, bytes, checkLeastAnswerSize } from '../../../functions/shared/http.js';

describe('request body', () => {
  it('decodes base64 with the byte at alignAt on an 8-byte boundary, the same bytes as ever', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(210), (bytes, alignAt) => {
        const event = { body: Buffer.from(bytes).toString('base64'), isBase64Encoded: true };
        const decoded = body(event, 1_000, alignAt);
        expect(Buffer.compare(decoded, Buffer.from(bytes))).toBe(0);
        // Past the end there is nothing to align: the plain decode.
        if (alignAt <= bytes.length) expect((decoded.byteOffset + alignAt) % 8).toBe(0);
      }),
    );
  });

  it('reads malformed base64 exactly as Buffer.from does', () => {
    const text = fc.string({
      unit: fc.constantFrom(...'AZaz09+/-_= \n!'.split('')),
      maxLength: 40,
    });
    fc.assert(
      fc.property(text, fc.nat(40), (raw, alignAt) => {
        const decoded = body({ body: raw, isBase64Encoded: true }, 1_000, alignAt);
        expect(Buffer.compare(decoded, Buffer.from(raw, 'base64'))).toBe(0);
      }),
    );
  });

  // Astral characters too: a Latin-1 copy keeps only each UTF-16 unit's low byte, often ASCII.
  it("gives a text body's UTF-8 bytes, whatever its characters", () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (text) => {
        const decoded = body({ body: text, isBase64Encoded: false }, 1_000);
        expect(Buffer.compare(decoded, Buffer.from(text, 'utf8'))).toBe(0);
      }),
    );
  });

  it('refuses a text body over the limit by its UTF-8 size, with that size', () => {
    const text = (body_: string) => ({ body: body_, isBase64Encoded: false });
    expect(body(text('a'.repeat(10)), 10).byteLength).toBe(10);
    expect(() => body(text('a'.repeat(11)), 10)).toThrow('request body of 11 bytes');
    // Ten characters, but 'é' and '€' take 2 and 3 bytes: 13 over a limit of 12.
    expect(() => body(text(`é€${'a'.repeat(8)}`), 12)).toThrow('request body of 13 bytes');
    expect(() => body(text('€'.repeat(5)), 12)).toThrow('request body of 15 bytes');
    expect(body(text('€'.repeat(4)), 12).toString('utf8')).toBe('€€€€');
  });

  it('reads malformed padding as Buffer.from does, aligned or not', () => {
    for (const raw of ['AAAA=', 'AAAA==', 'AAAAAA=A', 'AA=A']) {
      for (const alignAt of [undefined, 0, 1, 2]) {
        const decoded = body({ body: raw, isBase64Encoded: true }, 1_000, alignAt);
        expect([raw, alignAt, decoded.toString('hex')]).toEqual([
          raw,
          alignAt,
          Buffer.from(raw, 'base64').toString('hex'),
        ]);
      }
    }
  });

  it('decodes as before when the offset is not a usable number', () => {
    const event = { body: Buffer.from('hello, tensors').toString('base64'), isBase64Encoded: true };
    for (const alignAt of [undefined, Number.NaN, -3])
      expect(body(event, 100, alignAt).toString()).toBe('hello, tensors');
  });
});

// Lambda returns at most 6 MiB (LAMBDA_PAYLOAD_BYTES); beyond it API Gateway answers a 5xx of its own
// after maas logged a success, and the local stack answered 200.
describe('response body', () => {
  const MiB = 1024 * 1024;
  const refusal = (make: () => unknown) => {
    try {
      make();
    } catch (error) {
      return error;
    }
    return undefined;
  };

  it("refuses bytes whose base64 would not fit a Lambda response, in the protocol's words", () => {
    expect(refusal(() => bytes(200, Buffer.alloc(4 * MiB), {}))).toBeUndefined();
    const refused = refusal(() => bytes(200, Buffer.alloc(4.6 * MiB), {}));
    expect(refused).toBeInstanceOf(InvalidInputError);
    expect((refused as Error).message).toMatch(
      /^the answer would be 6431270 bytes, over the 6225920 a Lambda function can return: ask for fewer outputs/,
    );
  });

  it('refuses an answer whose least size is already over the limit, before it is written', () => {
    expect(refusal(() => checkLeastAnswerSize(4 * MiB, true))).toBeUndefined();
    expect(refusal(() => checkLeastAnswerSize(4.6 * MiB, true))).toBeInstanceOf(InvalidInputError);
    expect(refusal(() => checkLeastAnswerSize(5.9 * MiB, false))).toBeUndefined();
    expect((refusal(() => checkLeastAnswerSize(20 * MiB, false)) as Error).message).toMatch(
      /^the answer would be at least 20971520 bytes, over the 6225920/,
    );
  });

  it('counts text as the JSON string Lambda sends, escapes included', () => {
    expect(refusal(() => bytes(200, 'a'.repeat(5.9 * MiB), {}))).toBeUndefined();
    // Each quote travels as two bytes: 3.5 MiB of them are 7 MiB.
    expect(refusal(() => bytes(200, '"'.repeat(3.5 * MiB), {}))).toBeInstanceOf(InvalidInputError);
  });
});
