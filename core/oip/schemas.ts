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
