import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { parseJson } from '../../../../core/oip/json.js';
import {
  InferRequestSchema,
  isExactInferRequest,
  parseInferRequest,
} from '../../../../core/oip/schemas.js';

// The quick check in front of zod may only say yes where zod would accept the value and give it back
// deep-equal; everything else goes to zod, which words the errors.

/** A field as clients write it, or (sometimes) any JSON value in its place. */
const junk = fc.jsonValue({ maxDepth: 2 });
const field = <T>(good: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 12, arbitrary: good }, { weight: 1, arbitrary: junk });

const parameters = fc.dictionary(
  fc.oneof({ weight: 10, arbitrary: fc.string() }, fc.constantFrom('__proto__', 'constructor')),
  junk,
  { maxKeys: 3 },
);
const name = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom('input', 'state', 'sr') },
  fc.constantFrom('', '__proto__'),
  fc.string(),
);
const dim = fc.oneof(
  { weight: 12, arbitrary: fc.integer({ min: 0, max: 1024 }) },
  fc.constantFrom(-1, -0, 0.5, 2 ** 53, 2 ** 60, Number.NaN, '3', null),
);

/** An object with some optional keys left out, and sometimes a key no schema knows. */
const record = (fields: Record<string, fc.Arbitrary<unknown>>, required: string[]) =>
  fc
    .tuple(
      fc.record(fields, { requiredKeys: required }),
      fc.oneof({ weight: 8, arbitrary: fc.constant(null) }, junk),
    )
    .map(([value, extra]) => (extra === null ? value : { ...value, extra }));

const input = field(
  record(
    {
      name: field(name),
      shape: field(fc.array(dim, { maxLength: 4 })),
      datatype: field(fc.constantFrom('FP32', 'INT64', 'BYTES', 'nope')),
      parameters: field(parameters),
      data: junk,
    },
    ['name', 'shape', 'datatype'],
  ),
);
const output = field(record({ name: field(name), parameters: field(parameters) }, ['name']));
const request = record(
  {
    id: field(fc.string()),
    parameters: field(parameters),
    inputs: field(fc.array(input, { maxLength: 3 })),
    outputs: field(fc.array(output, { maxLength: 3 })),
  },
  ['inputs'],
);

/** Through the JSON text and our parser, as a request body arrives: `__proto__` keys stay own keys. */
const asParsed = (value: unknown) => parseJson(JSON.stringify(value));

describe('inference request envelope', () => {
  it('takes the quick path only where zod would accept the value unchanged', () => {
    let quick = 0;
    fc.assert(
      fc.property(request, (generated) => {
        const value = asParsed(generated);
        const parsed = InferRequestSchema.safeParse(value);
        if (isExactInferRequest(value)) {
          quick++;
          expect(parsed.success).toBe(true);
          expect(parsed.data).toStrictEqual(value);
        }
      }),
      { numRuns: 3000 },
    );
    // The property means nothing unless the quick path is actually taken.
    expect(quick).toBeGreaterThan(150);
  });

  it('takes the quick path for requests as clients send them', () => {
    const sent = {
      id: '42',
      inputs: [
        { name: 'input', datatype: 'FP32', shape: [1, 512], data: [0.5] },
        { name: 'sr', datatype: 'INT64', shape: [], parameters: { binary_data_size: 8 } },
      ],
      outputs: [{ name: 'output', parameters: { binary_data: true } }],
      parameters: { binary_data_output: false },
    };
    expect(isExactInferRequest(asParsed(sent))).toBe(true);
    expect(parseInferRequest(asParsed(sent))).toStrictEqual(sent);
  });

  it('leaves zod to strip what the schema does not know, and to word what it refuses', () => {
    const extra = asParsed({ inputs: [{ name: 'x', shape: [1], datatype: 'FP32', colour: 1 }] });
    expect(isExactInferRequest(extra)).toBe(false);
    expect(parseInferRequest(extra)).toStrictEqual({
      inputs: [{ name: 'x', shape: [1], datatype: 'FP32' }],
    });
    expect(() => parseInferRequest(asParsed({ inputs: [{ name: 'x', shape: [-1] }] }))).toThrow(
      /^invalid inference request: inputs\[0\]\.shape\[0\]: /,
    );
  });
});
