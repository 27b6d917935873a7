import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { observe } from './observe.js';
import { oipErrors } from './oip-errors.js';
import { lambdaContext, logger, traceMiddleware } from './powertools.js';

/**
 * middy for the HTTP API: the request's log line and metrics, the protocol's error mapper, the
 * logger's Lambda context and (in Lambda) the tracer. Handlers add the handler last.
 */
export function standardMiddy() {
  // onError runs in reverse order of use(): the mapper turns the error into a response first, then
  // observe() records the request with the status the client got.
  const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
    .use(observe())
    .use(oipErrors(logger))
    .use(lambdaContext<APIGatewayProxyEvent, APIGatewayProxyResult>());
  const tracing = traceMiddleware<APIGatewayProxyEvent, APIGatewayProxyResult>();
  return tracing === undefined ? handler : handler.use(tracing);
}
