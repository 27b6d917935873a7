import type { Principal } from '../../core/auth/api-keys.js';
import { UnauthorizedError } from '../../core/oip/errors.js';

/**
 * How the authorizer hands the caller to the inference function: API Gateway passes the authorizer's
 * context (string values only) into the event's requestContext.authorizer.
 */
export type PrincipalContext = { readonly keyName: string; readonly models: string };

export function principalContext(principal: Principal): PrincipalContext {
  return { keyName: principal.keyName, models: principal.models.join(',') };
}

/** The caller the authorizer admitted; its absence means the route was not behind the authorizer. */
export function principalOf(authorizer: Record<string, unknown> | null | undefined): Principal {
  const keyName = authorizer?.keyName;
  const models = authorizer?.models;
  if (typeof keyName !== 'string' || typeof models !== 'string') {
    throw new UnauthorizedError('missing API key: send Authorization: Bearer <key>');
  }
  return { keyName, models: models.split(',') };
}
