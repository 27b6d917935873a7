import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { type LocalServer, startServer } from '../../../local/server.js';

// The server's own job: turning an HTTP request into the API Gateway event the handlers get. The
// handlers here only record that event; the real ones are exercised in test/integration.
describe('local server: request to API Gateway event', () => {
  const events: APIGatewayProxyEvent[] = [];
  let server: LocalServer;

  beforeAll(async () => {
    server = await startServer({
      port: 0,
      maxBodyBytes: 1024,
      authCacheTtlMs: 0,
      handlers: {
        inference: async (event) => {
          events.push(event);
          return { statusCode: 200, headers: {}, body: '' };
        },
        authorizer: async () => ({
          principalId: 'k',
          policyDocument: {
            Version: '2012-10-17',
            Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: '*' }],
          },
          context: { keyName: 'k', models: '*' },
        }),
      },
    });
  });
  afterAll(() => server.close());

  it('passes the whole query on, later question marks included', async () => {
    // Act
    const response = await fetch(`${server.url}/v2/models/m?a=1?b=2&c=3`, {
      headers: { authorization: 'Bearer secret' },
    });

    // Assess
    expect(response.status).toBe(200);
    expect(events.at(-1)).toMatchObject({
      path: '/v2/models/m',
      pathParameters: { name: 'm' },
      queryStringParameters: { a: '1?b=2', c: '3' },
    });
  });

  it('gives no query parameters when there is no query', async () => {
    await fetch(`${server.url}/v2/models/m`, { headers: { authorization: 'Bearer secret' } });

    expect(events.at(-1)).toMatchObject({ path: '/v2/models/m', queryStringParameters: null });
  });
});
