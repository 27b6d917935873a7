import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { ENV } from '../../../core/config.js';
import { TIME_LIMIT_MARGIN_MS } from '../../../functions/shared/middleware.js';
import { context } from '../../helpers/context.js';
import { loadFixture } from '../../helpers/load-fixture.js';
import { captureOutput, jsonLines } from '../../helpers/output.js';
import { type SilentStore, startSilentStore } from '../../helpers/silent-store.js';

type Handler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

// In Lambda the context has getRemainingTimeInMillis, so middy arms its timer on every request.
describe('inference handler at the time limit (a store that accepts and never answers)', () => {
  let handler: Handler;
  let store: SilentStore;
  beforeAll(async () => {
    store = await startSilentStore();
    Object.assign(process.env, {
      [ENV.modelBucket]: 'models',
      [ENV.modelsTable]: 'models',
      [ENV.s3Endpoint]: store.endpoint,
      [ENV.dynamodbEndpoint]: store.endpoint,
      AWS_MAX_ATTEMPTS: '1',
    });
    ({ handler } = (await import('../../../functions/inference.js')) as unknown as {
      handler: Handler;
    });
  });
  afterAll(() => store.close());

  it('answers 504 in the protocol shape before Lambda would end it, and logs the request as one', async () => {
    const limitMs = 600;
    const deadline = Date.now() + limitMs;
    const lambdaLike = { ...context, getRemainingTimeInMillis: () => deadline - Date.now() };
    let response: APIGatewayProxyResult | undefined;
    const output = await captureOutput(async () => {
      response = await handler(loadFixture('events/apigw-rest', 'infer'), lambdaLike);
    });
    const answeredAt = Date.now();

    expect(response?.statusCode).toBe(504);
    expect(JSON.parse(response?.body ?? '')).toEqual({
      error: "the request did not finish within the function's time limit",
    });
    // Answered with the margin to spare, not when the store's own timeouts (seconds) gave up.
    expect(deadline - answeredAt).toBeGreaterThan(TIME_LIMIT_MARGIN_MS / 2);
    const lines = jsonLines(output);
    expect(lines).toContainEqual(
      expect.objectContaining({ message: 'request', status: 504, route: 'modelInfer' }),
    );
    // Not mistaken for the store being down, as middy's own TimeoutError would have been.
    expect(lines).not.toContainEqual(expect.objectContaining({ message: 'store unavailable' }));
    expect(lines).toContainEqual(
      expect.objectContaining({
        message: 'request failed',
        error: expect.objectContaining({ name: 'TimeLimitError' }),
      }),
    );
  });
});
