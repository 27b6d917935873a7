// API Gateway REST proxy events for calling the inference handler directly, built from a real capture
// (test/fixtures/events/apigw-rest/infer.json) so the handler sees every header and field it would.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { type BenchInput, binaryBody, jsonBody } from './models.js';
import { ROOT } from './processes.js';

export type Encoding = 'json' | 'binary';

function capturedEvent(): APIGatewayProxyEvent {
  const event = JSON.parse(
    readFileSync(join(ROOT, 'test', 'fixtures', 'events', 'apigw-rest', 'infer.json'), 'utf8'),
  ) as APIGatewayProxyEvent;
  // As the authorizer passes it: this key may use every model.
  event.requestContext.authorizer = { keyName: 'bench', models: '*' };
  return event;
}

/** POST /v2/models/{model}/infer with the inputs as JSON, or in the binary tensor extension. */
export function inferEvent(
  model: string,
  encoding: Encoding,
  inputs: readonly BenchInput[],
): { event: APIGatewayProxyEvent; bodyBytes: number } {
  const event = capturedEvent();
  event.path = `/v2/models/${model}/infer`;
  event.pathParameters = { name: model };
  // API Gateway hands every body over base64-encoded (BINARY_MEDIA_TYPES is */*).
  if (encoding === 'json') {
    const body = Buffer.from(jsonBody(inputs));
    event.body = body.toString('base64');
    event.isBase64Encoded = true;
    return { event, bodyBytes: body.byteLength };
  }
  const { body, headerLength } = binaryBody(inputs);
  const extra = {
    'content-type': 'application/octet-stream',
    'Inference-Header-Content-Length': String(headerLength),
  };
  event.headers = { ...event.headers, ...extra };
  event.multiValueHeaders = {
    ...event.multiValueHeaders,
    ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, [v]])),
  };
  event.body = body.toString('base64');
  event.isBase64Encoded = true;
  return { event, bodyBytes: body.byteLength };
}

/** GET /v2/health/ready: touches the registry, loads no model. */
export function readyEvent(): APIGatewayProxyEvent {
  const event = capturedEvent();
  event.resource = '/v2/health/ready';
  event.path = '/v2/health/ready';
  event.httpMethod = 'GET';
  event.requestContext.resourcePath = '/v2/health/ready';
  event.requestContext.httpMethod = 'GET';
  event.pathParameters = null;
  event.body = null;
  return event;
}
