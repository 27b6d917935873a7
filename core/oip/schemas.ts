import { z } from 'zod';
import { InvalidInputError } from './errors.js';

/**
 * The inference request's envelope (Open Inference Protocol, REST "Inference request JSON Object").
 * Tensor `data` stays `unknown` here: it is checked element by element while it is decoded straight
 * into a typed array, which is much faster than validating a large array twice.
 */
const ParametersSchema = z.record(z.string(), z.unknown());

const RequestInputSchema = z.object({
  name: z.string().min(1),
  shape: z.array(z.number().int().nonnegative()),
  datatype: z.string(),
  parameters: ParametersSchema.optional(),
  data: z.unknown().optional(),
});
export type RequestInput = z.infer<typeof RequestInputSchema>;

const RequestOutputSchema = z.object({
  name: z.string().min(1),
  parameters: ParametersSchema.optional(),
});
export type RequestOutput = z.infer<typeof RequestOutputSchema>;

export const InferRequestSchema = z.object({
  id: z.string().optional(),
  parameters: ParametersSchema.optional(),
  inputs: z.array(RequestInputSchema).min(1),
  outputs: z.array(RequestOutputSchema).optional(),
});
export type InferRequest = z.infer<typeof InferRequestSchema>;

/** Triton's repository index request: `{"ready": true}` lists only ready versions. */
export const RepositoryIndexRequestSchema = z.object({ ready: z.boolean().optional() });

/** Parses untrusted input with a schema; failures become a 400 that names the field. */
export function parseWith<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
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
