import { availableParallelism } from 'node:os';
import * as z from './zod.js';

const MiB = 1024 * 1024;
const int = (min: number) => z.pipe(z.coerce.number(), z.int().check(z.gte(min)));

const ConfigSchema = z.object({
  region: z._default(z.string().check(z.minLength(1)), 'us-east-1'),
  modelBucket: z.optional(z.string()),
  modelsTable: z.optional(z.string()),
  keysTable: z.optional(z.string()),
  /** Set only for the local stack: the emulators' URLs. Unset on AWS, where the SDK finds endpoints. */
  s3Endpoint: z.optional(z.url()),
  dynamodbEndpoint: z.optional(z.url()),
  // Lambda caps a synchronous event at 6 MB and API Gateway base64-encodes every body (4/3), so
  // 4 MiB of body is what reliably fits through both.
  maxBodyBytes: z._default(int(1024), 4 * MiB),
  sessionCacheBytes: z._default(int(0), 512 * MiB),
  metadataTtlMs: z._default(int(0), 5_000),
  keyCacheTtlMs: z._default(int(0), 30_000),
  preloadModels: z.pipe(
    z._default(z.string(), ''),
    z.transform((s: string) =>
      s
        .split(',')
        .map((m) => m.trim())
        .filter((m) => m !== ''),
    ),
  ),
  intraOpThreads: z._default(int(1), availableParallelism()),
  /** How long a retired version's bytes are kept before `maas gc` may remove them. */
  retiredRetentionDays: z._default(int(0), 30),
  /** How many percentage points a canary's error rate may exceed stable's before it is ended. */
  canaryErrorMarginPct: z._default(z.coerce.number().check(z.gte(0), z.lte(100)), 5),
});

export type Config = z.infer<typeof ConfigSchema>;

/**
 * Lambda's limit on a synchronous invocation's payload, the event in and the response out alike.
 * https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
 */
export const LAMBDA_PAYLOAD_BYTES = 6 * MiB;

/** What a payload keeps for all around its body: an event's headers and context, a response's status and headers. */
export const LAMBDA_ENVELOPE_BYTES = 64 * 1024;

/**
 * The inference function's timeout unless an operator sets `timeoutSeconds`: above API Gateway's 29 s
 * on purpose (infra/settings.ts). The local stack gives each invocation as long.
 */
export const DEFAULT_FUNCTION_TIMEOUT_SECONDS = 60;

/** The environment variable behind each setting: the only list of them. Infra sets them by these names. */
export const ENV = {
  region: 'AWS_REGION',
  modelBucket: 'MAAS_MODEL_BUCKET',
  modelsTable: 'MAAS_MODELS_TABLE',
  keysTable: 'MAAS_KEYS_TABLE',
  s3Endpoint: 'MAAS_S3_ENDPOINT',
  dynamodbEndpoint: 'MAAS_DYNAMODB_ENDPOINT',
  maxBodyBytes: 'MAAS_MAX_BODY_BYTES',
  sessionCacheBytes: 'MAAS_SESSION_CACHE_BYTES',
  metadataTtlMs: 'MAAS_METADATA_TTL_MS',
  keyCacheTtlMs: 'MAAS_KEY_CACHE_TTL_MS',
  preloadModels: 'MAAS_PRELOAD_MODELS',
  intraOpThreads: 'MAAS_INTRA_OP_THREADS',
  retiredRetentionDays: 'MAAS_RETIRED_RETENTION_DAYS',
  canaryErrorMarginPct: 'MAAS_CANARY_ERROR_MARGIN_PCT',
} as const satisfies Record<keyof Config, string>;

/** Builds the typed config from an environment once, at cold start; a bad value fails right here. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const raw = Object.fromEntries(
    Object.entries(ENV).map(([field, name]) => {
      const value = env[name]?.trim();
      return [field, value === '' ? undefined : value];
    }),
  );
  const result = ConfigSchema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const name = ENV[issue?.path[0] as keyof Config] ?? 'configuration';
  throw new ConfigError(`invalid ${name}: ${issue?.message ?? 'bad value'}`);
}

/** Returns a resource name the caller needs, or says which variable is missing. */
export function required(
  config: Config,
  field: 'modelBucket' | 'modelsTable' | 'keysTable',
): string {
  const value = config[field];
  if (value === undefined) throw new ConfigError(`${ENV[field]} is not set`);
  return value;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}
