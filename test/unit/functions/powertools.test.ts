import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { Context } from 'aws-lambda';
import { InvocationLogger } from '../../../functions/shared/powertools.js';
import { captureOutput, jsonLines } from '../../helpers/output.js';

/** The JSON lines `work` writes. */
const linesOf = async (work: () => void) => jsonLines(await captureOutput(work));

const context = (awsRequestId: string) =>
  ({ functionName: 'maas-inference', awsRequestId }) as unknown as Context;

describe('the logger with each invocation context', () => {
  // Powertools reports cold starts of on-demand environments only, as Lambda names them.
  beforeEach(() => {
    process.env.AWS_LAMBDA_INITIALIZATION_TYPE = 'on-demand';
  });
  afterEach(() => {
    delete process.env.AWS_LAMBDA_INITIALIZATION_TYPE;
    delete process.env.AWS_LAMBDA_MAX_CONCURRENCY;
    jest.restoreAllMocks();
  });

  it("writes each line with its own invocation's context, though it takes it only at the first line", async () => {
    const logger = new InvocationLogger({ serviceName: 'maas', logLevel: 'INFO' });
    const added = jest.spyOn(logger, 'addContext');
    logger.useContext(context('req-1'));
    const first = await linesOf(() => logger.info('one'));
    logger.useContext(context('req-2')); // writes nothing
    logger.useContext(context('req-3'));
    const third = await linesOf(() => {
      logger.warn('two');
      logger.error('three');
    });
    expect(first).toEqual([
      expect.objectContaining({ function_request_id: 'req-1', cold_start: true }),
    ]);
    expect(third).toEqual([
      expect.objectContaining({ message: 'two', function_request_id: 'req-3', cold_start: false }),
      expect.objectContaining({
        message: 'three',
        function_request_id: 'req-3',
        cold_start: false,
      }),
    ]);
    // The invocation that wrote nothing never paid for its context.
    expect(added.mock.calls.map(([c]) => c.awsRequestId)).toEqual(['req-1', 'req-3']);
  });

  it('leaves the cold start with the first invocation when that one writes nothing', async () => {
    const logger = new InvocationLogger({ serviceName: 'maas', logLevel: 'INFO' });
    logger.useContext(context('req-1'));
    logger.useContext(context('req-2'));
    expect(await linesOf(() => logger.info('later'))).toEqual([
      expect.objectContaining({ function_request_id: 'req-2', cold_start: false }),
    ]);
  });

  it('keeps the context per invocation where invocations run at once', () => {
    process.env.AWS_LAMBDA_MAX_CONCURRENCY = '4';
    const logger = new InvocationLogger({ serviceName: 'maas', logLevel: 'INFO' });
    // There Powertools keeps each context in the runtime's per-invocation store (absent here, so the
    // call itself is what is checked): added as the invocation begins.
    const added = jest.spyOn(logger, 'addContext').mockImplementation(() => undefined);
    logger.useContext(context('req-1'));
    logger.useContext(context('req-2'));
    expect(added.mock.calls.map(([c]) => c.awsRequestId)).toEqual(['req-1', 'req-2']);
  });
});
