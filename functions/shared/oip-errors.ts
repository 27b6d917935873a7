import type { Logger } from '@aws-lambda-powertools/logger';
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { OipError } from '../../core/oip/errors.js';
import { json } from './http.js';

/**
 * Turns any error into the protocol's error body `{"error": "..."}`. Our own errors show their message
 * (it says what was wrong); an AWS SDK failure is a 503 (the store, not the request); anything else is
 * a 500 whose details stay in the logs (Middy's `expose` idea).
 */
export const oipErrors = (logger: Logger): MiddlewareObj<unknown, APIGatewayProxyResult> => ({
  onError: async (request) => {
    request.response = errorResponse(request.error, logger);
  },
});

export function errorResponse(error: unknown, logger: Logger): APIGatewayProxyResult {
  if (error instanceof OipError) {
    // Refusals are in the request's own log line; a server-side failure also gets its cause here.
    if (error.status >= 500) logger.error('request failed', { error });
    return json(error.status, { error: error.message });
  }
  if (isSdkError(error)) {
    logger.error('store unavailable', { error: error as Error });
    return json(503, { error: 'storage is unavailable; retry shortly' });
  }
  logger.error('unhandled error', { error: error as Error });
  return json(500, { error: 'internal error' });
}

function isSdkError(error: unknown): boolean {
  // Service errors carry $metadata; network failures surface as these names and codes.
  const e = error as { $metadata?: unknown; name?: string; code?: string } | undefined;
  return (
    e?.$metadata !== undefined ||
    e?.name === 'TimeoutError' ||
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE'].includes(e?.code ?? '')
  );
}
