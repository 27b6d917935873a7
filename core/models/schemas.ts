import { DATATYPE_NAMES } from '../oip/datatypes.js';
import * as z from '../zod.js';

/** One input or output of a model as the protocol describes it; -1 marks a dynamic dimension. */
export const TensorSpecSchema = z.object({
  name: z.string(),
  datatype: z.enum(DATATYPE_NAMES),
  shape: z.array(z.int().check(z.gte(-1))),
});
export type TensorSpec = z.infer<typeof TensorSpecSchema>;

export const SignatureSchema = z.object({
  inputs: z.array(TensorSpecSchema),
  outputs: z.array(TensorSpecSchema),
});
export type Signature = z.infer<typeof SignatureSchema>;

/**
 * An immutable model version as stored in DynamoDB (less its key attributes). Whether it still serves
 * is not stored here but in the model's head (see `retired`), so every routing change is one write.
 */
export const ModelVersionSchema = z.object({
  name: z.string(),
  version: z.int().check(z.positive()),
  sha256: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
  size: z.int().check(z.nonnegative()),
  objectKey: z.string(),
  signature: SignatureSchema,
  createdAt: z.string(),
  createdBy: z.string(),
  description: z.optional(z.string()),
});
export type ModelVersion = z.infer<typeof ModelVersionSchema>;

/** What serves a model's unversioned traffic. With no stable version, the newest ready version does. */
export const RoutingSchema = z.object({
  stable: z.optional(z.int().check(z.positive())),
  canary: z.optional(z.int().check(z.positive())),
  /** Percent of unversioned requests the canary gets, 1-99. */
  canaryWeight: z.optional(z.int().check(z.gte(1), z.lte(99))),
});
export type Routing = z.infer<typeof RoutingSchema>;

export const RetirementSchema = z.object({
  at: z.string(),
  by: z.string(),
  reason: z.optional(z.string()),
});
export type Retirement = z.infer<typeof RetirementSchema>;

export const CHANGE_ACTIONS = ['promote', 'canary', 'clear-canary', 'rollback', 'retire'] as const;

/** One routing change: who made it, when, what it changed from and to, and why. */
export const ChangeSchema = z.object({
  revision: z.int().check(z.positive()),
  at: z.string(),
  by: z.string(),
  action: z.enum(CHANGE_ACTIONS),
  version: z.optional(z.int().check(z.positive())),
  from: RoutingSchema,
  to: RoutingSchema,
  reason: z.optional(z.string()),
});
export type Change = z.infer<typeof ChangeSchema>;

/**
 * One record per model, holding everything mutable about it: the version counter, the routing, the
 * retired versions, and the revision every routing change is conditioned on. Keeping all of it in one
 * item makes each change a single conditional write (DynamoDB transactions are not needed, and the
 * local emulator has none).
 */
export const ModelHeadSchema = z.extend(RoutingSchema, {
  name: z.string(),
  lastVersion: z.int().check(z.nonnegative()),
  createdAt: z.string(),
  /** 0 until the first routing change. */
  revision: z._default(z.int().check(z.nonnegative()), 0),
  /** Earlier stable versions, oldest first: where `rollback` goes. */
  previousStables: z._default(z.array(z.int().check(z.positive())), []),
  /** Retired versions by number: never served again; their bytes are kept for the retention period. */
  retired: z._default(z.record(z.string(), RetirementSchema), {}),
  /** The newest change, written with the routing itself, so history survives a crash before its entry. */
  lastChange: z.optional(ChangeSchema),
});
export type ModelHead = z.infer<typeof ModelHeadSchema>;

export type VersionStatus = 'ready' | 'retired';

export function statusOf(head: ModelHead, version: number): VersionStatus {
  return Object.hasOwn(head.retired, String(version)) ? 'retired' : 'ready';
}

/**
 * The record that claims a content hash for one version of a model. It is also where pushes and
 * `maas gc` coordinate over the bytes' object, with single-item conditional writes: S3 has no
 * conditional delete, and the local emulator no transactions.
 */
export const ShaClaimSchema = z.object({
  /** Absent until a push claims the bytes for a version. */
  version: z.optional(z.int().check(z.positive())),
  /** When a push last stored these bytes; gc takes no lease within its grace period of it. */
  pinnedAt: z.optional(z.string()),
  /** How many leases gc has taken on these bytes: a push that sees it change may have lost them. */
  collections: z._default(z.int().check(z.nonnegative()), 0),
  /** The gc holding a lease to remove the object, and since when. */
  leaseId: z.optional(z.string()),
  leasedAt: z.optional(z.string()),
});
export type ShaClaim = z.infer<typeof ShaClaimSchema>;
