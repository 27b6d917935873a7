import type { Logger } from '@aws-lambda-powertools/logger';
import { describe, expect, it, jest } from '@jest/globals';
import { ConflictError, NotFoundError, UnavailableError } from '../../../core/oip/errors.js';
import { errorResponse } from '../../../functions/shared/oip-errors.js';

function fakeLogger() {
  return { info: jest.fn(), error: jest.fn() } as unknown as Logger & {
    info: jest.Mock;
    error: jest.Mock;
  };
}

describe('errorResponse', () => {
  it.each([
    [new NotFoundError("model 'x' not found"), 404],
    [new ConflictError('changed underneath'), 409],
    [new UnavailableError('store down'), 503],
  ])('shows our own error %p with its status', (error, status) => {
    const response = errorResponse(error, fakeLogger());
    expect(response).toMatchObject({
      statusCode: status,
      body: JSON.stringify({ error: error.message }),
    });
  });

  it('hides an unexpected error behind a generic 500 and logs it', () => {
    const logger = fakeLogger();
    const response = errorResponse(
      new TypeError('cannot read x of undefined at /var/task/index.mjs'),
      logger,
    );
    expect(response).toMatchObject({ statusCode: 500, body: '{"error":"internal error"}' });
    expect(logger.error).toHaveBeenCalledWith('unhandled error', expect.anything());
  });

  it('reports an AWS SDK failure as 503 without its details', () => {
    const sdkError = Object.assign(new Error('User: arn:aws:iam::1:role/x is not authorized'), {
      name: 'AccessDeniedException',
      $metadata: { httpStatusCode: 400 },
    });
    expect(errorResponse(sdkError, fakeLogger())).toMatchObject({
      statusCode: 503,
      body: '{"error":"storage is unavailable; retry shortly"}',
    });
  });
});
