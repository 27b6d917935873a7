import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type {
  APIGatewayAuthorizerResult,
  APIGatewayTokenAuthorizerEvent,
  Context,
} from 'aws-lambda';
import { ENV } from '../../../core/config.js';
import { METRIC } from '../../../core/metrics.js';
import { context } from '../../helpers/context.js';
import { captureOutput, jsonLines } from '../../helpers/output.js';
import { type SilentStore, startSilentStore } from '../../helpers/silent-store.js';

type Handler = (
  event: APIGatewayTokenAuthorizerEvent,
  context: Context,
) => Promise<APIGatewayAuthorizerResult>;

const event = (authorizationToken: string): APIGatewayTokenAuthorizerEvent => ({
  type: 'TOKEN',
  authorizationToken,
  methodArn: 'arn:aws:execute-api:eu-west-1:123456789012:api/prod/POST/v2/models/m/infer',
});

/** A well-formed key, so the authorizer must ask the store. */
const WELL_FORMED = 'Bearer maas.web.c2VjcmV0';

// The authorizer alarm reads AuthorizerFailures, because Lambda's Errors count refused keys as well.
describe('authorizer: refusals and failures counted apart', () => {
  let handler: Handler;
  let store: SilentStore;
  beforeAll(async () => {
    store = await startSilentStore();
    Object.assign(process.env, {
      [ENV.keysTable]: 'keys',
      [ENV.dynamodbEndpoint]: store.endpoint,
      AWS_MAX_ATTEMPTS: '1',
    });
    ({ handler } = (await import('../../../functions/authorizer.js')) as unknown as {
      handler: Handler;
    });
  });
  afterAll(() => store.close());

  const metricsIn = (output: string) => jsonLines(output).filter((line) => line._aws !== undefined);

  it("refuses a malformed key with API Gateway's 'Unauthorized', counted as a refusal only", async () => {
    let thrown: unknown;
    const output = await captureOutput(async () => {
      thrown = await handler(event('Bearer not-a-key'), context).catch((error: unknown) => error);
    });
    expect((thrown as Error).message).toBe('Unauthorized');
    expect(metricsIn(output)).toEqual([expect.objectContaining({ [METRIC.authRefusals]: 1 })]);
    expect(output).not.toContain(METRIC.authFailures);
  });

  it('counts a key it could not check as a failure, with the cause logged', async () => {
    store.hangUp = true;
    let thrown: unknown;
    const output = await captureOutput(async () => {
      thrown = await handler(event(WELL_FORMED), context).catch((error: unknown) => error);
    });
    store.hangUp = false;
    expect((thrown as Error).message).not.toBe('Unauthorized');
    expect(metricsIn(output)).toEqual([expect.objectContaining({ [METRIC.authFailures]: 1 })]);
    expect(output).not.toContain(METRIC.authRefusals);
    expect(jsonLines(output)).toContainEqual(
      expect.objectContaining({ level: 'ERROR', message: 'key check failed' }),
    );
  });

  it('counts running into the time limit as a failure', async () => {
    const deadline = Date.now() + 600;
    const lambdaLike = { ...context, getRemainingTimeInMillis: () => deadline - Date.now() };
    let thrown: unknown;
    const output = await captureOutput(async () => {
      thrown = await handler(event(WELL_FORMED), lambdaLike).catch((error: unknown) => error);
    });
    // Anything but 'Unauthorized' is API Gateway's AUTHORIZER_FAILURE: retry, not re-key.
    expect((thrown as Error).name).toBe('TimeLimitError');
    expect(metricsIn(output)).toEqual([expect.objectContaining({ [METRIC.authFailures]: 1 })]);
    expect(output).not.toContain(METRIC.authRefusals);
    expect(jsonLines(output)).toContainEqual(
      expect.objectContaining({
        level: 'ERROR',
        message: 'key check failed',
        error: expect.objectContaining({ name: 'TimeLimitError' }),
      }),
    );
  });
});
