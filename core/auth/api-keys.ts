import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { checkModelName, quote } from '../models/names.js';
import {
  ConflictError,
  ForbiddenError,
  InvalidInputError,
  NotFoundError,
  UnauthorizedError,
} from '../oip/errors.js';
import * as z from '../zod.js';

export interface KeyStoreDeps {
  readonly ddb: DynamoDBDocumentClient;
  readonly keysTable: string;
}

/** Key names appear inside tokens, so they exclude the '.' that separates a token's parts. */
const KEY_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const TOKEN_PREFIX = 'maas';
const ALL_MODELS = '*';

const ApiKeySchema = z.object({
  name: z.string(),
  hash: z.string(),
  models: z.array(z.string()),
  createdAt: z.string(),
  createdBy: z.string(),
  revokedAt: z.optional(z.string()),
  revokedBy: z.optional(z.string()),
});

/** An API key as operators see it: never its secret, never its hash. */
export type ApiKey = Omit<z.infer<typeof ApiKeySchema>, 'hash'>;

/** Who a request comes from, and which models it may use. */
export interface Principal {
  readonly keyName: string;
  /** Model names, or ['*'] for every model. */
  readonly models: readonly string[];
}

const keyOf = (name: string) => ({ pk: `KEY#${name}` });

/**
 * What a refused key hears. API Gateway's 401 is one fixed gateway response, so the local server says
 * the same; the precise reason (missing, malformed, unknown, revoked) goes to the authorizer's log.
 */
export const UNAUTHORIZED_MESSAGE = 'missing or invalid API key: send Authorization: Bearer <key>';

/** What every client hears while keys cannot be checked (the keys table unreachable): retry, not re-key. */
export const AUTH_UNAVAILABLE_MESSAGE = 'API keys cannot be checked right now: retry shortly';

/**
 * Creates a key and returns its secret token, which is shown this once: only its sha256 is stored.
 * Without `models` the key may use every model; an empty list is refused.
 * @example const { token } = await createKey(deps, { name: 'web', models: ['vad'], createdBy: 'alice' })
 */
export async function createKey(
  deps: KeyStoreDeps,
  input: { name: string; models?: readonly string[] | undefined; createdBy: string; now?: Date },
): Promise<{ key: ApiKey; token: string }> {
  const name = checkKeyName(input.name);
  // An empty list is most likely an empty variable in a script: reading it as "all models" would
  // widen the key's scope, so only leaving the list out means that.
  if (input.models?.length === 0) {
    throw new InvalidInputError('a key must be scoped to at least one model, or to all of them');
  }
  const models = input.models === undefined ? [ALL_MODELS] : [...new Set(input.models)];
  for (const model of models) if (model !== ALL_MODELS) checkModelName(model);
  const secret = randomBytes(32).toString('base64url');
  const record = {
    name,
    hash: hashSecret(secret),
    models,
    createdAt: (input.now ?? new Date()).toISOString(),
    createdBy: input.createdBy,
  };
  try {
    await deps.ddb.send(
      new PutCommand({
        TableName: deps.keysTable,
        Item: { ...record, ...keyOf(name) },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) {
      throw new ConflictError(
        `an API key named '${name}' already exists (revoked keys keep their names)`,
      );
    }
    throw error;
  }
  const { hash: _, ...key } = record;
  return { key, token: `${TOKEN_PREFIX}.${name}.${secret}` };
}

/** Every key, active and revoked, by name. */
export async function listKeys(deps: KeyStoreDeps): Promise<ApiKey[]> {
  const keys: ApiKey[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await deps.ddb.send(
      new ScanCommand({ TableName: deps.keysTable, ExclusiveStartKey: start }),
    );
    for (const item of out.Items ?? []) {
      const { hash: _, ...key } = ApiKeySchema.parse(item);
      keys.push(key);
    }
    start = out.LastEvaluatedKey;
  } while (start !== undefined);
  return keys.sort((a, b) => a.name.localeCompare(b.name));
}

/** Revokes a key for good; requests with it are refused once caches (at most the key cache TTL) expire. */
export async function revokeKey(
  deps: KeyStoreDeps,
  input: { name: string; revokedBy: string; now?: Date },
): Promise<ApiKey> {
  const name = checkKeyName(input.name);
  try {
    const out = await deps.ddb.send(
      new UpdateCommand({
        TableName: deps.keysTable,
        Key: keyOf(name),
        UpdateExpression: 'SET revokedAt = :now, revokedBy = :by',
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(revokedAt)',
        ExpressionAttributeValues: {
          ':now': (input.now ?? new Date()).toISOString(),
          ':by': input.revokedBy,
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    const { hash: _, ...key } = ApiKeySchema.parse(out.Attributes);
    return key;
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    const existing = await findKey(deps, name);
    if (existing === undefined) throw new NotFoundError(`no API key named '${name}'`);
    throw new ConflictError(`API key '${name}' was already revoked at ${existing.revokedAt}`);
  }
}

/**
 * Checks an `Authorization: Bearer <token>` header against the stored hash, in constant time. The one
 * key check: the API Gateway authorizer and the local server both call it.
 */
export async function authenticate(
  deps: KeyStoreDeps,
  authorization: string | undefined,
): Promise<Principal> {
  const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
  if (token === undefined)
    throw new UnauthorizedError('missing API key: send Authorization: Bearer <key>');
  const [prefix, name, secret, ...rest] = token.split('.');
  if (
    prefix !== TOKEN_PREFIX ||
    name === undefined ||
    secret === undefined ||
    rest.length > 0 ||
    !KEY_NAME_PATTERN.test(name)
  ) {
    throw new UnauthorizedError('invalid API key');
  }
  const item = await findKey(deps, name);
  // Hash and compare even for unknown names, so timing does not reveal which names exist.
  const expected = Buffer.from(item?.hash ?? hashSecret(''), 'hex');
  const matches = timingSafeEqual(Buffer.from(hashSecret(secret), 'hex'), expected);
  if (item === undefined || !matches || item.revokedAt !== undefined)
    throw new UnauthorizedError('invalid API key');
  return { keyName: item.name, models: item.models };
}

/** Refuses a principal whose key is scoped to other models. */
export function authorizeModel(principal: Principal, model: string): void {
  if (!mayUse(principal, model)) {
    throw new ForbiddenError(
      `API key '${principal.keyName}' is not allowed to use model '${model}'`,
    );
  }
}

export function mayUse(principal: Principal, model: string): boolean {
  return principal.models.includes(ALL_MODELS) || principal.models.includes(model);
}

async function findKey(
  deps: KeyStoreDeps,
  name: string,
): Promise<z.infer<typeof ApiKeySchema> | undefined> {
  const out = await deps.ddb.send(
    new GetCommand({ TableName: deps.keysTable, Key: keyOf(name), ConsistentRead: true }),
  );
  return out.Item === undefined ? undefined : ApiKeySchema.parse(out.Item);
}

/** Returns the name unchanged when it is a valid key name, or explains the rule. */
export function checkKeyName(name: string): string {
  if (!KEY_NAME_PATTERN.test(name)) {
    throw new InvalidInputError(
      `invalid key name ${quote(name)}: up to 63 lowercase letters, digits, _ and -, starting with a letter or digit`,
    );
  }
  return name;
}

function hashSecret(secret: string): string {
  // The secret is 256 random bits, so a fast hash is enough: there is nothing to brute-force.
  return createHash('sha256').update(secret).digest('hex');
}
