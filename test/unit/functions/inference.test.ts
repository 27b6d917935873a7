import { beforeAll, describe, expect, it } from '@jest/globals';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { ENV } from '../../../core/config.js';
import { context } from '../../helpers/context.js';
import { loadFixture } from '../../helpers/load-fixture.js';

type Handler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

describe('inference handler (no store reachable)', () => {
  let handler: Handler;
  beforeAll(async () => {
    // Nothing listens on port 9: every route that needs the store sees it down.
    Object.assign(process.env, {
      [ENV.modelBucket]: 'models',
      [ENV.modelsTable]: 'models',
      [ENV.s3Endpoint]: 'http://127.0.0.1:9',
      [ENV.dynamodbEndpoint]: 'http://127.0.0.1:9',
      [ENV.maxBodyBytes]: '2048',
      AWS_MAX_ATTEMPTS: '1',
    });
    ({ handler } = (await import('../../../functions/inference.js')) as unknown as {
      handler: Handler;
    });
  });

  const event = (changes: Partial<APIGatewayProxyEvent>): APIGatewayProxyEvent => ({
    ...loadFixture<APIGatewayProxyEvent>('events/apigw-rest', 'infer'),
    ...changes,
  });
  const call = async (changes: Partial<APIGatewayProxyEvent>) => {
    const result = await handler(event(changes), context);
    return {
      status: result.statusCode,
      body: result.body === '' ? undefined : JSON.parse(result.body),
    };
  };

  it('answers GET /v2 without touching the store', async () => {
    const res = await call({
      resource: '/v2',
      path: '/v2',
      httpMethod: 'GET',
      body: null,
      pathParameters: null,
    });
    expect(res).toEqual({
      status: 200,
      body: {
        name: 'maas',
        version: expect.any(String),
        extensions: ['binary_tensor_data', 'model_repository'],
      },
    });
  });

  it('refuses an event that did not pass the authorizer with 401', async () => {
    const base = event({});
    const res = await handler(
      { ...base, requestContext: { ...base.requestContext, authorizer: null } },
      context,
    );
    expect(res.statusCode).toBe(401);
  });

  it('answers 404 for a resource it does not serve', async () => {
    expect(await call({ resource: '/v3', path: '/v3', httpMethod: 'GET' })).toEqual({
      status: 404,
      body: { error: 'no route for GET /v3' },
    });
  });

  it('refuses a base64 body over the limit with 413 before decoding it', async () => {
    const res = await call({ body: Buffer.alloc(3000).toString('base64'), isBase64Encoded: true });
    expect(res).toEqual({
      status: 413,
      body: { error: 'request body of 3000 bytes is over the 2048-byte limit' },
    });
  });

  it('refuses a text body over the limit with 413, counting its UTF-8 bytes', async () => {
    expect(await call({ body: `{"id":"${'x'.repeat(2042)}"}` })).toEqual({
      status: 413,
      body: { error: 'request body of 2051 bytes is over the 2048-byte limit' },
    });
    // 1,029 characters, 2,051 bytes: the limit is on bytes, whichever way the text is read.
    expect(await call({ body: `{"id":"${'é'.repeat(1021)}"}` })).toEqual({
      status: 413,
      body: { error: 'request body of 2051 bytes is over the 2048-byte limit' },
    });
  });

  it('refuses malformed JSON with 400 before any store call', async () => {
    expect(await call({ body: '{"inputs":' })).toMatchObject({
      status: 400,
      body: { error: expect.stringMatching(/^malformed JSON body/) },
    });
  });

  it('answers 503 with a clear message when the registry is unreachable', async () => {
    const ready = await call({
      resource: '/v2/health/ready',
      path: '/v2/health/ready',
      httpMethod: 'GET',
      body: null,
    });
    expect(ready).toEqual({
      status: 503,
      body: { error: expect.stringMatching(/^model registry unavailable/) },
    });
    const infer = await call({});
    expect(infer).toEqual({
      status: 503,
      body: { error: expect.stringMatching(/^model registry unavailable/) },
    });
  });
});
