import { MetricUnit } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import type { APIGatewayAuthorizerResult, APIGatewayTokenAuthorizerEvent } from 'aws-lambda';
import { authenticate } from '../core/auth/api-keys.js';
import { createClients } from '../core/clients.js';
import { loadConfig, required } from '../core/config.js';
import { METRIC } from '../core/metrics.js';
import { UnauthorizedError } from '../core/oip/errors.js';
import { lambdaContext, logger, metrics } from './shared/powertools.js';
import { principalContext } from './shared/principal.js';

const config = loadConfig(process.env);
const keys = { ddb: createClients(config).ddb, keysTable: required(config, 'keysTable') };

/**
 * API Gateway TOKEN authorizer: the same key check the local server runs. API Gateway caches the
 * answer per key for the configured TTL, so the policy allows every route of the stage; the model
 * scope is enforced by the inference function, which answers 403 in the protocol's error shape.
 */
export const handler = middy<APIGatewayTokenAuthorizerEvent, APIGatewayAuthorizerResult>()
  .use(lambdaContext())
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
      if (!(error instanceof UnauthorizedError)) throw error; // a store failure: API Gateway answers 500
      logger.warn('key refused', { reason: error.message });
      metrics.addMetric(METRIC.authRefusals, MetricUnit.Count, 1);
      metrics.publishStoredMetrics();
      // This exact message is API Gateway's signal for 401 (its UNAUTHORIZED gateway response).
      throw new Error('Unauthorized');
    }
  });

/** arn:aws:execute-api:<region>:<account>:<api>/<stage>/<method>/<path> -> .../<api>/<stage>/* */
function stageArn(methodArn: string): string {
  const [prefix, stage] = methodArn.split('/');
  return `${prefix}/${stage}/*`;
}
