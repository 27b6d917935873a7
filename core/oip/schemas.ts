import * as z from '../zod.js';
import { InvalidInputError } from './errors.js';

/**
 * The inference request's envelope (Open Inference Protocol, REST "Inference request JSON Object").
 * Tensor `data` stays `unknown` here: it is checked element by element while it is decoded straight
 * into a typed array, which is much faster than validating a large array twice.
 */
const ParametersSchema = z.record(z.string(), z.unknown());

const RequestInputSchema = z.object({
  name: z.string().check(z.minLength(1)),
  shape: z.array(z.int().check(z.nonnegative())),
  datatype: z.string(),
  parameters: z.optional(ParametersSchema),
  data: z.optional(z.unknown()),
});
export type RequestInput = z.infer<typeof RequestInputSchema>;

const RequestOutputSchema = z.object({
  name: z.string().check(z.minLength(1)),
  parameters: z.optional(ParametersSchema),
});
export type RequestOutput = z.infer<typeof RequestOutputSchema>;

export const InferRequestSchema = z.object({
  id: z.optional(z.string()),
  parameters: z.optional(ParametersSchema),
  inputs: z.array(RequestInputSchema).check(z.minLength(1)),
  outputs: z.optional(z.array(RequestOutputSchema)),
});
export type InferRequest = z.infer<typeof InferRequestSchema>;

/**
 * Parses an inference request's envelope. A request already in the schema's exact shape (only known
 * keys, right types: what clients send) is returned as is after a check that touches nothing else;
 * zod parses the rest and words the errors. Zod's generic walk was about a fifth of a small model's
 * request overhead (docs/benchmarks.md); test/unit/core/oip/schemas.test.ts checks that the quick
 * check accepts nothing zod would refuse or change.
 */
export function parseInferRequest(value: unknown): InferRequest {
  return isExactInferRequest(value)
    ? value
    : parseWith(InferRequestSchema, value, 'inference request');
}

/** True only for parsed JSON that InferRequestSchema would accept and give back deep-equal. */
export function isExactInferRequest(value: unknown): value is InferRequest {
  if (!isPlainObject(value) || !hasOnlyKeys(value, REQUEST_KEYS)) return false;
  const { id, parameters, inputs, outputs } = value;
  if (id !== undefined && typeof id !== 'string') return false;
  if (parameters !== undefined && !isRecord(parameters)) return false;
  if (!Array.isArray(inputs) || inputs.length === 0) return false;
  for (const input of inputs) {
    if (!isPlainObject(input) || !hasOnlyKeys(input, INPUT_KEYS)) return false;
    if (!isName(input.name) || typeof input.datatype !== 'string') return false;
    if (input.parameters !== undefined && !isRecord(input.parameters)) return false;
    const shape = input.shape;
    if (!Array.isArray(shape)) return false;
    for (const dim of shape) if (!Number.isSafeInteger(dim) || (dim as number) < 0) return false;
  }
  if (outputs === undefined) return true;
  if (!Array.isArray(outputs)) return false;
  for (const output of outputs) {
    if (!isPlainObject(output) || !hasOnlyKeys(output, OUTPUT_KEYS)) return false;
    if (!isName(output.name)) return false;
    if (output.parameters !== undefined && !isRecord(output.parameters)) return false;
  }
  return true;
}

const REQUEST_KEYS = new Set(['id', 'parameters', 'inputs', 'outputs']);
const INPUT_KEYS = new Set(['name', 'shape', 'datatype', 'parameters', 'data']);
const OUTPUT_KEYS = new Set(['name', 'parameters']);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Keys all known and none undefined (JSON has no undefined; such values go to zod). Requests are
 * parsed JSON, whose objects hold only enumerable string keys: for...in reads them without the
 * array of keys Reflect.ownKeys makes on every call. An enumerable key inherited through a polluted
 * prototype is unknown, so it sends the value to zod too.
 */
function hasOnlyKeys(value: object, known: ReadonlySet<string>): boolean {
  for (const key in value) {
    if (!known.has(key)) return false;
    if ((value as Record<string, unknown>)[key] === undefined) return false;
  }
  return true;
}

/** A parameters object zod copies key by key, leaving out any own `__proto__` key. */
function isRecord(value: unknown): boolean {
  return isPlainObject(value) && !Object.hasOwn(value, '__proto__');
}

function isName(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

/** Triton's repository index request: `{"ready": true}` lists only ready versions. */
export const RepositoryIndexRequestSchema = z.object({ ready: z.optional(z.boolean()) });

/** Parses untrusted input with a schema; failures become a 400 that names the field. */
export function parseWith<T>(schema: z.ZodMiniType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue?.path.reduce<string>(
    (text, part) =>
      typeof part === 'number'
        ? `${text}[${part}]`
        : text
          ? `${text}.${String(part)}`
          : String(part),
    '',
  );
  throw new InvalidInputError(
    `invalid ${what}: ${path ? `${path}: ` : ''}${issue?.message ?? 'bad value'}`,
  );
}
