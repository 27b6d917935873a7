import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import { z } from 'zod';
import {
  DEFAULT_FUNCTION_TIMEOUT_SECONDS,
  LAMBDA_ENVELOPE_BYTES,
  LAMBDA_PAYLOAD_BYTES,
  loadConfig,
} from '../core/config.js';
import { MODEL_NAME_PATTERN, MODEL_NAME_RULE } from '../core/models/names.js';
import { DEFAULT_STACK_PREFIX } from '../core/stack-outputs.js';
import { LAYER_ARCHITECTURES } from '../layers/onnxruntime/build-layer.js';

/** The handlers' own defaults: where infra and code must agree, the number lives in core/config.ts. */
const CODE = loadConfig({});

/**
 * The largest body the handler may be told to accept: every body reaches Lambda base64-encoded (4/3
 * larger) inside an event that must stay under Lambda's 6 MiB synchronous payload limit, and 64 KiB are
 * left for the headers and the rest of the event.
 */
export const MAX_BODY_BYTES_LIMIT = Math.floor(
  ((LAMBDA_PAYLOAD_BYTES - LAMBDA_ENVELOPE_BYTES) * 3) / 4,
);

const RETENTIONS = Object.values(RetentionDays).filter((v): v is number => typeof v === 'number');

// Context values come as JSON from cdk.json and as strings from `-c key=value`: accept both.
/** A whole number in range, as a number or as its decimal digits; anything else says the range. */
const int = (min: number, max: number) =>
  z.unknown().transform((value, ctx) => {
    const n =
      typeof value === 'number'
        ? value
        : typeof value === 'string' && /^\s*-?\d+\s*$/.test(value)
          ? Number(value)
          : Number.NaN;
    if (Number.isInteger(n) && n >= min && n <= max) return n;
    ctx.addIssue({
      code: 'custom',
      message: `a whole number from ${min} to ${max}, not ${JSON.stringify(value)}`,
    });
    return z.NEVER;
  });
/** What `-c key=` can say for "none": cdk.json says null. */
const NONE = ['null', 'none', ''];
const bool = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')], {
  error: 'true or false',
});
const modelList = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => {
    // `-c 'preloadModels=["a","b"]'` spells the list cdk.json would hold.
    const list = Array.isArray(v) ? v : v.trim().startsWith('[') ? parseList(v) : v.split(',');
    return list.map((m) => String(m).trim()).filter((m) => m !== '' && !NONE.includes(m));
  })
  .pipe(
    z.array(
      z.string().regex(MODEL_NAME_PATTERN, {
        error: (issue) => `model name '${String(issue.input)}': ${MODEL_NAME_RULE}`,
      }),
    ),
  );

function parseList(text: string): unknown[] {
  try {
    const list: unknown = JSON.parse(text);
    return Array.isArray(list) ? list : [text];
  } catch {
    return [text];
  }
}

const SettingsShape = z.object({
  /** Stacks are `<prefix>-Storage` and `<prefix>-Serving`; the CLI's `--stack` names the prefix. */
  stackPrefix: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9-]{0,100}$/, 'letters, digits and -, starting with a letter')
    .default(DEFAULT_STACK_PREFIX),
  /** Lambda architecture of both functions and the onnxruntime layer. arm64 costs ~20% less per GB-s. */
  architecture: z.enum(LAYER_ARCHITECTURES).default('arm64'),
  /** Inference function memory (MB); CPU grows with it (one vCPU per 1,769 MB). */
  memorySize: int(1024, 10240).default(3008),
  /**
   * Inference function timeout. Above API Gateway's 29 s on purpose: a model load that outlives its
   * first request still finishes, so the retry finds it warm.
   */
  timeoutSeconds: int(1, 900).default(DEFAULT_FUNCTION_TIMEOUT_SECONDS),
  /** Reserved concurrency for the inference function; null leaves it unreserved. */
  reservedConcurrency: z
    .union([z.null(), z.enum(NONE), int(1, 100_000)], {
      error: 'a whole number from 1 to 100000, or none',
    })
    .optional()
    .transform((v) => (typeof v === 'number' ? v : undefined)),
  /** Instances initialised ahead of traffic (with preloadModels loaded); 0 for none. Billed while deployed. */
  provisionedConcurrency: int(0, 100_000).default(0),
  /** Models loaded during the function's init, comma-separated (their stable and canary versions; a model with no stable version: its newest). */
  preloadModels: modelList.default([]),
  /** How long API Gateway reuses an authorizer answer per key; 0 checks every request. */
  authorizerCacheTtlSeconds: int(0, 3600).default(CODE.keyCacheTtlMs / 1000),
  /** Stage-wide steady request rate (requests per second) and burst. */
  throttlingRateLimit: int(1, 1_000_000).default(100),
  throttlingBurstLimit: int(1, 1_000_000).default(200),
  /** CloudWatch Logs retention of the functions' logs and the API access log. */
  logRetentionDays: z.coerce
    .number()
    .refine((v) => RETENTIONS.includes(v), `one of ${RETENTIONS.join(', ')}`)
    .default(90),
  /** Largest request body the inference function accepts (413 above it). */
  maxBodyBytes: int(1024, MAX_BODY_BYTES_LIMIT).default(CODE.maxBodyBytes),
  /** A WAF web ACL on the stage: AWS common rules, a per-IP rate limit and the body size limit. */
  waf: bool.default(true),
  /** Requests per client IP per 5 minutes before WAF blocks that IP (429) for a while. */
  wafRateLimit: int(10, 2_000_000_000).default(3000),
  /**
   * API Gateway execution logs. Anything but OFF needs the account's API Gateway CloudWatch role to be
   * set already (a per-region account setting this app does not take over).
   */
  executionLogLevel: z.enum(['OFF', 'ERROR', 'INFO']).default('OFF'),
  /** Where alarm notifications are e-mailed (the address confirms the subscription once); null for none. */
  alarmEmail: z
    .union([z.null(), z.enum(NONE), z.email()], { error: 'an e-mail address, or none' })
    .optional()
    .transform((v) => (v === null || v === undefined || NONE.includes(v) ? undefined : v)),
  /** The runbook the alarm descriptions link to, by section: a URL to docs/runbook.md in your repository. */
  // Each alarm's description is its text (up to about 120 characters), then this URL with a section: 800
  // keeps every one within CloudFormation's 1,024, where a longer one failed the synth under another name.
  runbookUrl: z
    .string()
    .trim()
    .min(1, 'a URL')
    .max(800, 'at most 800 characters')
    .default('docs/runbook.md'),
  /** API 5xx alarm: percent of requests over 5 minutes. */
  serverErrorRatePct: z.coerce.number().positive().max(100).default(1),
  /** API 4xx spike alarm: percent of requests, over two of three 5-minute periods. */
  clientErrorRatePct: z.coerce.number().positive().max(100).default(25),
  /** p99 latency alarm threshold, ms, over three 5-minute periods. */
  latencyP99Ms: int(1, 29_000).default(2000),
  /** Concurrency alarm: percent of the reserved concurrency (or of the account limit below). */
  concurrencyAlarmPct: int(1, 100).default(80),
  /** The account's Lambda concurrency limit, for the concurrency alarm when none is reserved. */
  accountConcurrencyLimit: int(1, 1_000_000).default(1000),
  /** Canary alarm and automatic rollback: points by which a canary's error rate may exceed stable's. */
  canaryErrorMarginPct: z.coerce.number().positive().max(100).default(CODE.canaryErrorMarginPct),
  /** Canary requests per minute below which the canary alarm does not judge (too few to tell). */
  canaryMinRequests: int(1, 1_000_000).default(20),
});

/** Lambda keeps this much of an account's concurrency unreserved, whatever functions reserve. */
const UNRESERVED_MINIMUM = 100;

const SettingsSchema = SettingsShape.refine(
  (s) => s.reservedConcurrency === undefined || s.provisionedConcurrency <= s.reservedConcurrency,
  {
    message: 'provisionedConcurrency cannot exceed reservedConcurrency',
    path: ['provisionedConcurrency'],
  },
)
  // Refused at deploy otherwise, after the Storage stack went out.
  .refine((s) => (s.reservedConcurrency ?? 0) <= s.accountConcurrencyLimit - UNRESERVED_MINIMUM, {
    message: `at most accountConcurrencyLimit - ${UNRESERVED_MINIMUM}: Lambda keeps ${UNRESERVED_MINIMUM} of the account's concurrency unreserved`,
    path: ['reservedConcurrency'],
  })
  .refine((s) => s.provisionedConcurrency <= s.accountConcurrencyLimit - UNRESERVED_MINIMUM, {
    message: `at most accountConcurrencyLimit - ${UNRESERVED_MINIMUM}: Lambda keeps ${UNRESERVED_MINIMUM} of the account's concurrency unreserved`,
    path: ['provisionedConcurrency'],
  });

/** Every deployment setting, validated. Read once, in the composition root. */
export type Settings = z.infer<typeof SettingsSchema>;

/** The setting names, which are also their cdk context keys (`-c memorySize=4096`). */
export const SETTING_KEYS = Object.keys(SettingsShape.shape) as (keyof Settings)[];

/** Parses settings from raw context values; a bad value fails the synth with the key's name. */
export function parseSettings(context: Readonly<Record<string, unknown>>): Settings {
  const raw = Object.fromEntries(SETTING_KEYS.map((key) => [key, context[key] ?? undefined]));
  const result = SettingsSchema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new SettingsError(
    `invalid context value '${String(issue?.path[0] ?? 'settings')}': ${issue?.message ?? 'bad value'}`,
  );
}

/** Reads settings from the app's cdk context (cdk.json, cdk.context.json and `-c` flags). */
export function readSettings(node: Node): Settings {
  refuseMisspelt(Object.keys(node.getAllContext()));
  return parseSettings(
    Object.fromEntries(SETTING_KEYS.map((key) => [key, node.tryGetContext(key)])),
  );
}

/**
 * A context key that is a setting's name in another case or spelling (`memorysize`, `memory_size`)
 * would otherwise be ignored without a word, and the deployment would keep the default.
 */
export function refuseMisspelt(contextKeys: readonly string[]): void {
  const plain = (key: string) => key.toLowerCase().replace(/[-_]/g, '');
  for (const key of contextKeys) {
    if ((SETTING_KEYS as readonly string[]).includes(key)) continue;
    const meant = SETTING_KEYS.find((setting) => plain(setting) === plain(key));
    if (meant !== undefined)
      throw new SettingsError(`unknown context key '${key}': did you mean '${meant}'?`);
  }
}

export class SettingsError extends Error {
  override readonly name = 'SettingsError';
}
