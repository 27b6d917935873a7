import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createClients } from '../../../core/clients.js';
import { loadConfig } from '../../../core/config.js';
import { type SilentStore, startSilentStore } from '../../helpers/silent-store.js';

// A store that accepts connections and never answers: the SDK must give up, or a model's load (which
// every request for the model joins) waits for good.
describe('the SDK clients against a store that never answers', () => {
  let store: SilentStore;
  beforeAll(async () => {
    store = await startSilentStore();
  });
  afterAll(() => store.close());

  it('gives up on a DynamoDB call after its request timeout', async () => {
    const previous = process.env.AWS_MAX_ATTEMPTS;
    process.env.AWS_MAX_ATTEMPTS = '1';
    try {
      const { ddb, s3 } = createClients(
        loadConfig({
          MAAS_MODEL_BUCKET: 'b',
          MAAS_MODELS_TABLE: 't',
          MAAS_DYNAMODB_ENDPOINT: store.endpoint,
          MAAS_S3_ENDPOINT: store.endpoint,
        }),
      );
      const started = Date.now();
      const failed = await ddb
        .send(new GetCommand({ TableName: 't', Key: { pk: 'x', sk: 'y' } }))
        .catch((error: unknown) => error);
      expect((failed as Error).name).toBe('TimeoutError');
      expect(Date.now() - started).toBeLessThan(8_000); // its 5 s, not forever
      // S3's is 20 s: too long to wait for here, so its settings are checked instead.
      const handler = s3.config.requestHandler as unknown as { configProvider: Promise<unknown> };
      expect(await handler.configProvider).toMatchObject({ throwOnRequestTimeout: true });
      ddb.destroy();
      s3.destroy();
    } finally {
      if (previous === undefined) delete process.env.AWS_MAX_ATTEMPTS;
      else process.env.AWS_MAX_ATTEMPTS = previous;
    }
  }, 15_000);
});
