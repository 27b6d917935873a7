import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { oipErrors } from './oip-errors.js';
import { logger } from './powertools.js';

/** middy with the protocol's error mapper and the logger attached; handlers add theirs, then the handler. */
export function standardMiddy<TEvent>() {
  // The error mapper goes first, so its onError runs last, after the others have seen the error.
  return middy<TEvent, APIGatewayProxyResult>()
    .use(oipErrors(logger))
    .use(injectLambdaContext(logger));
}
