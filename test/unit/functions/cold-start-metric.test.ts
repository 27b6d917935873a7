import { describe, expect, it } from '@jest/globals';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { COLD_START_DIMENSIONS, METRIC, SERVICE } from '../../../core/metrics.js';
import { context } from '../../helpers/context.js';
import { captureOutput, jsonLines } from '../../helpers/output.js';

// Powertools counts a cold start only where Lambda says the environment started on demand; read when
// the shared Metrics is made, so set before the handlers' modules load.
process.env.AWS_LAMBDA_INITIALIZATION_TYPE = 'on-demand';
const { observe } = await import('../../../functions/shared/observe.js');

describe('the cold start metric', () => {
  it("carries the dimensions the dashboard searches, with the function's name", async () => {
    const middleware = observe();
    const request = {
      event: { body: null, isBase64Encoded: false } as unknown as APIGatewayProxyEvent,
      context,
      response: { statusCode: 200, body: '' },
    } as Parameters<NonNullable<typeof middleware.after>>[0];
    const output = await captureOutput(async () => {
      await middleware.before?.(request);
      await middleware.after?.(request);
      await middleware.after?.(request); // a warm request: no second cold start
    });
    const coldStarts = jsonLines(output).filter((line) => METRIC.coldStart in line);
    expect(coldStarts).toHaveLength(1);
    expect(coldStarts[0]).toMatchObject({
      service: SERVICE,
      function_name: context.functionName,
      _aws: { CloudWatchMetrics: [{ Dimensions: [[...COLD_START_DIMENSIONS]] }] },
    });
  });
});
