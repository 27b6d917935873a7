import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { TimeLimitError } from '../../core/oip/errors.js';
import { observe } from './observe.js';
import { oipErrors } from './oip-errors.js';
import { lambdaContext, logger, traceMiddleware } from './powertools.js';

/**
 * How long before Lambda's time limit middy gives up on the handler and answers through the error
 * mapper. Lambda's own timeout would end the invocation with no answer and no request line; this
 * leaves room for both after a pause (a major GC, a native call returning), which middy's default of
 * 5 ms does not.
 */
export const TIME_LIMIT_MARGIN_MS = 100;

/**
 * middy's plugin options for every function: give up `TIME_LIMIT_MARGIN_MS` before Lambda's limit with
 * a TimeLimitError, which the function's error handling can answer and count. middy's own error is
 * named TimeoutError, as the SDK's network timeouts are: ours says which.
 */
export function timeLimit() {
  return {
    timeoutEarlyInMillis: TIME_LIMIT_MARGIN_MS,
    timeoutEarlyResponse: (): never => {
      throw new TimeLimitError("the request did not finish within the function's time limit");
    },
  };
}

/**
 * middy for the HTTP API: the request's log line and metrics, the protocol's error mapper, the
 * logger's Lambda context and (in Lambda) the tracer. Handlers add the handler last.
 */
export function standardMiddy() {
  // onError runs in reverse order of use(): the mapper turns the error into a response first, then
  // observe() records the request with the status the client got.
  const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult>(timeLimit())
    .use(observe())
    .use(oipErrors(logger))
    .use(lambdaContext<APIGatewayProxyEvent, APIGatewayProxyResult>());
  const tracing = traceMiddleware<APIGatewayProxyEvent, APIGatewayProxyResult>();
  return tracing === undefined ? handler : handler.use(tracing);
}
