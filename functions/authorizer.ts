import { MetricUnit } from '@aws-lambda-powertools/metrics';
import middy, { type MiddlewareObj } from '@middy/core';
import type { APIGatewayAuthorizerResult, APIGatewayTokenAuthorizerEvent } from 'aws-lambda';
import { authenticate } from '../core/auth/api-keys.js';
import { createClients } from '../core/clients.js';
import { loadConfig, required } from '../core/config.js';
import { METRIC } from '../core/metrics.js';
import { UnauthorizedError } from '../core/oip/errors.js';
import { timeLimit } from './shared/middleware.js';
import { lambdaContext, logger, metrics } from './shared/powertools.js';
import { principalContext } from './shared/principal.js';

const config = loadConfig(process.env);
const keys = { ddb: createClients(config).ddb, keysTable: required(config, 'keysTable') };

/**
 * API Gateway TOKEN authorizer: the same key check the local server runs. API Gateway caches the
 * answer per key for the configured TTL, so the policy allows every route of the stage; the model
 * scope is enforced by the inference function, which answers 403 in the protocol's error shape.
 */
export const handler = middy<APIGatewayTokenAuthorizerEvent, APIGatewayAuthorizerResult>(
  timeLimit(),
)
  .use(lambdaContext())
  .use(countFailures())
  .handler(async (event) => {
    try {
      const principal = await authenticate(keys, event.authorizationToken);
      return {
        principalId: principal.keyName,
        policyDocument: {
          Version: '2012-10-17',
          Statement: [
            { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: stageArn(event.methodArn) },
          ],
        },
        context: principalContext(principal),
      };
    } catch (error) {
      // Anything else is a failure to check (a store outage): API Gateway answers AUTHORIZER_FAILURE.
      if (!(error instanceof UnauthorizedError)) throw error;
      logger.warn('key refused', { reason: error.message });
      metrics.addMetric(METRIC.authRefusals, MetricUnit.Count, 1);
      metrics.publishStoredMetrics();
      throw new KeyRefused();
    }
  });

/** A refused key. Its exact message is API Gateway's signal for 401 (its UNAUTHORIZED response). */
class KeyRefused extends Error {
  constructor() {
    super('Unauthorized');
  }
}

/**
 * Every failure to check a key, logged with its cause and counted as AuthorizerFailures, which the
 * authorizer alarm reads: Lambda's own Errors metric cannot tell a failure from a refused key.
 */
function countFailures(): MiddlewareObj<
  APIGatewayTokenAuthorizerEvent,
  APIGatewayAuthorizerResult
> {
  return {
    onError: (request) => {
      if (request.error instanceof KeyRefused) return;
      logger.error('key check failed', { error: request.error as Error });
      metrics.addMetric(METRIC.authFailures, MetricUnit.Count, 1);
      metrics.publishStoredMetrics();
    },
  };
}

/** arn:aws:execute-api:<region>:<account>:<api>/<stage>/<method>/<path> -> .../<api>/<stage>/* */
function stageArn(methodArn: string): string {
  const [prefix, stage] = methodArn.split('/');
  return `${prefix}/${stage}/*`;
}
