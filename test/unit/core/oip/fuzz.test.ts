import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { Signature } from '../../../../core/models/schemas.js';
import {
  DATATYPE_NAMES,
  DATATYPES,
  type Datatype,
  type DatatypeInfo,
} from '../../../../core/oip/datatypes.js';
import { InvalidInputError, OipError, PayloadTooLargeError } from '../../../../core/oip/errors.js';
import { decodeInferRequest, parseInferBody } from '../../../../core/oip/request.js';

// Property-based checks of the protocol decoder: whatever arrives, it answers with a 4xx OipError
// (or decodes), never another exception, never a 5xx, and never allocates for data that is not there.

const LIMITS = { maxElements: 4 * 1024 * 1024 };
const RUNS = 500;

/** A model with one input of every datatype, dynamic 1-D shapes, and one fixed-shape input. */
const SIGNATURE: Signature = {
  inputs: [
    ...DATATYPE_NAMES.map((datatype) => ({ name: `in_${datatype}`, datatype, shape: [-1] })),
    { name: 'fixed', datatype: 'FP32' as const, shape: [2, 3] },
  ],
  outputs: [{ name: 'out', datatype: 'FP32', shape: [-1] }],
};

/** Decodes a body; returns 'ok', or the error's status, failing the property on any non-protocol error. */
function outcome(body: Uint8Array, headerLength?: string): 'ok' | number {
  try {
    decodeInferRequest(parseInferBody(body, headerLength), SIGNATURE, LIMITS);
    return 'ok';
  } catch (error) {
    if (!(error instanceof OipError)) throw error;
    expect([400, 413]).toContain(error.status);
    expect(error.message.length).toBeGreaterThan(0);
    return error.status;
  }
}

const text = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));

/** Values outside what a datatype holds, or not values at all. */
const badElement = fc.oneof(
  fc.constantFrom('NaN', 'Infinity', '-Infinity', null, true, {}, [], '', '1'),
  fc.double({ noNaN: true }).filter((d) => !Number.isInteger(d)),
  fc.constantFrom(2 ** 64, -(2 ** 63) - 4096, 256, -129, 65536, 2 ** 32, 2 ** 31, -1),
);

const shapes = fc.oneof(
  fc.array(fc.integer({ min: -3, max: 5 }), { maxLength: 4 }),
  fc.array(fc.constantFrom(0, 1, 2 ** 20, 2 ** 31, 2 ** 40, 2 ** 53), {
    minLength: 1,
    maxLength: 3,
  }),
);

describe('inference request decoder under generated input', () => {
  it('answers any JSON value with a decode or a 4xx', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => void outcome(text(value))),
      { numRuns: RUNS },
    );
  });

  it('answers truncated and corrupted JSON of a valid request with 400', () => {
    const valid = JSON.stringify({
      inputs: [{ name: 'in_FP32', datatype: 'FP32', shape: [2], data: [1, 2] }],
    });
    fc.assert(
      // Junk never closes the object, so the text can never become valid again.
      fc.property(
        fc.integer({ min: 0, max: valid.length - 1 }),
        fc.string({ maxLength: 3 }).filter((j) => !j.includes('}')),
        (cut, junk) => {
          expect(outcome(text(valid.slice(0, cut) + junk))).toBe(400);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('answers wrong shapes, counts and element values with a 4xx, for every datatype', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...DATATYPE_NAMES),
        shapes,
        fc.array(fc.oneof(badElement, fc.integer({ min: -5, max: 5 })), { maxLength: 8 }),
        (datatype, shape, data) => {
          const result = outcome(
            text({ inputs: [{ name: `in_${datatype}`, datatype, shape, data }] }),
          );
          // The only way to succeed is a shape that matches the data exactly, with valid values.
          if (result === 'ok') expect(shape.reduce((a, b) => a * b, 1)).toBe(data.length);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('refuses out-of-range integers for each integer datatype', () => {
    const integers = DATATYPE_NAMES.filter(
      (d) => DATATYPES[d].kind === 'int' || DATATYPES[d].kind === 'bigint',
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...integers),
        fc.boolean(),
        fc.integer({ min: 1, max: 1000 }),
        (datatype, above, by) => {
          const info: DatatypeInfo = DATATYPES[datatype as Datatype];
          const edge = BigInt((above ? info.max : info.min) as number | bigint);
          const value = above ? edge + BigInt(by) : edge - BigInt(by);
          const body = `{"inputs":[{"name":"in_${datatype}","datatype":"${datatype}","shape":[1],"data":[${value}]}]}`;
          expect(outcome(text(body))).toBe(400);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('refuses numbers beyond each float datatype, and takes those that round to its largest', () => {
    // Halfway from the largest value to the next power of two rounds away, to ±Infinity.
    const beyond = { FP16: 65520, FP32: 2 ** 128 - 2 ** 103, FP64: undefined };
    fc.assert(
      fc.property(
        fc.constantFrom('FP16', 'FP32', 'FP64' as const),
        fc.boolean(),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.boolean(),
        (datatype, negative, fraction, outside) => {
          const max = DATATYPES[datatype].max;
          const from = beyond[datatype];
          // Outside: from the midpoint up (for FP64, written beyond a double). Inside: up to it.
          const magnitude = outside
            ? from === undefined
              ? `${2 + 7 * fraction}e308`
              : String(from * (1 + fraction))
            : String(from === undefined ? max * fraction : max + (from - max) * fraction * 0.999);
          const value = negative ? `-${magnitude}` : magnitude;
          const body = `{"inputs":[{"name":"in_${datatype}","datatype":"${datatype}","shape":[2],"data":[1,${value}]}]}`;
          // The other inputs are missing: only whether this one's value was refused matters here.
          let message = '';
          try {
            decodeInferRequest(parseInferBody(text(body), undefined), SIGNATURE, LIMITS);
          } catch (error) {
            message = (error as Error).message;
          }
          expect(message.includes('element 1 is')).toBe(outside);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('refuses duplicated input names', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...DATATYPE_NAMES.filter((d) => d !== 'BYTES' && d !== 'BOOL')),
        (datatype) => {
          const input = { name: `in_${datatype}`, datatype, shape: [1], data: [1] };
          expect(outcome(text({ inputs: [input, input] }))).toBe(400);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('refuses binary sections whose declared sizes lie, without reading past them', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...DATATYPE_NAMES),
        fc.integer({ min: 0, max: 64 }),
        fc.integer({ min: 0, max: 64 }),
        fc.integer({ min: 0, max: 8 }),
        fc.uint8Array({ maxLength: 64 }),
        (datatype, declared, count, headerSlack, payload) => {
          const header = Buffer.from(
            JSON.stringify({
              inputs: [
                {
                  name: `in_${datatype}`,
                  datatype,
                  shape: [count],
                  parameters: { binary_data_size: declared },
                },
              ],
            }),
          );
          const body = Buffer.concat([header, payload]);
          const result = outcome(body, String(header.byteLength + headerSlack));
          if (result === 'ok') {
            expect(headerSlack).toBe(0);
            expect(declared).toBe(payload.byteLength);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('refuses BYTES elements that are not valid UTF-8', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 16 }), (bytes) => {
        fc.pre(!isUtf8(bytes));
        const element = Buffer.concat([
          Buffer.from(Uint32Array.from([bytes.byteLength]).buffer),
          bytes,
        ]);
        const header = Buffer.from(
          JSON.stringify({
            inputs: [
              {
                name: 'in_BYTES',
                datatype: 'BYTES',
                shape: [1],
                parameters: { binary_data_size: element.byteLength },
              },
            ],
          }),
        );
        expect(outcome(Buffer.concat([header, element]), String(header.byteLength))).toBe(400);
      }),
      { numRuns: RUNS },
    );
  });

  it('never allocates for a declared shape the data does not fill', () => {
    const before = process.memoryUsage().arrayBuffers;
    for (const shape of [[2 ** 21], [2 ** 11, 2 ** 11], [4 * 1024 * 1024]]) {
      for (const datatype of ['FP64', 'INT64', 'FP32'] as const) {
        expect(() =>
          decodeInferRequest(
            parseInferBody(
              text({ inputs: [{ name: `in_${datatype}`, datatype, shape, data: [1] }] }),
              undefined,
            ),
            SIGNATURE,
            LIMITS,
          ),
        ).toThrow(InvalidInputError);
      }
    }
    // 4M FP64 elements would be 32 MiB; nothing near that may have been allocated.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(4 * 1024 * 1024);
    expect(() =>
      decodeInferRequest(
        parseInferBody(
          text({ inputs: [{ name: 'in_FP32', datatype: 'FP32', shape: [2 ** 40], data: [1] }] }),
          undefined,
        ),
        SIGNATURE,
        LIMITS,
      ),
    ).toThrow(PayloadTooLargeError);
  });
});

function isUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}
