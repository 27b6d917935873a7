import type { Context } from 'aws-lambda';

/**
 * A Lambda context for calling handlers directly. It has no getRemainingTimeInMillis, so middy's
 * early-timeout timer stays off.
 */
export const context = {
  callbackWaitsForEmptyEventLoop: true,
  functionName: 'maas-test',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:maas-test',
  memoryLimitInMB: '1024',
  awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
  logGroupName: '/aws/lambda/maas-test',
  logStreamName: '2026/11/23/[$LATEST]abcdef',
} as Context;
