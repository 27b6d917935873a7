import { z } from 'zod';
import { DATATYPE_NAMES } from '../oip/datatypes.js';

/** One input or output of a model as the protocol describes it; -1 marks a dynamic dimension. */
export const TensorSpecSchema = z.object({
  name: z.string(),
  datatype: z.enum(DATATYPE_NAMES),
  shape: z.array(z.number().int().min(-1)),
});
export type TensorSpec = z.infer<typeof TensorSpecSchema>;

export const SignatureSchema = z.object({
  inputs: z.array(TensorSpecSchema),
  outputs: z.array(TensorSpecSchema),
});
export type Signature = z.infer<typeof SignatureSchema>;

export const VersionStatusSchema = z.enum(['ready', 'retired']);

/** An immutable model version as stored in DynamoDB (less its key attributes). */
export const ModelVersionSchema = z.object({
  name: z.string(),
  version: z.number().int().positive(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  size: z.number().int().nonnegative(),
  objectKey: z.string(),
  signature: SignatureSchema,
  createdAt: z.string(),
  createdBy: z.string(),
  description: z.string().optional(),
  status: VersionStatusSchema,
});
export type ModelVersion = z.infer<typeof ModelVersionSchema>;

/** One record per model: the version counter, and (later) what serves unversioned traffic. */
export const ModelHeadSchema = z.object({
  name: z.string(),
  lastVersion: z.number().int().nonnegative(),
  createdAt: z.string(),
});
export type ModelHead = z.infer<typeof ModelHeadSchema>;
