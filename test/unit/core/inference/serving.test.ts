import { Readable } from 'node:stream';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { loadConfig } from '../../../../core/config.js';
import { createServing } from '../../../../core/inference/serving.js';
import { sha256Hex } from '../../../../core/models/artifacts.js';
import { IntegrityError, UnavailableError } from '../../../../core/oip/errors.js';

// Error paths of model loading, with the SDK mocked: what a client hears when S3 fails or lies.

const bytes = Buffer.from('model bytes');
const version = {
  name: 'm',
  version: 1,
  sha256: sha256Hex(bytes),
  size: bytes.byteLength,
  objectKey: 'models/m/x.onnx',
  signature: { inputs: [], outputs: [] },
  createdAt: 't',
  createdBy: 'u',
};

function serving() {
  const s3 = new S3Client({ region: 'us-east-1', maxAttempts: 1 });
  const dynamodb = new DynamoDBClient({ region: 'us-east-1', maxAttempts: 1 });
  const ddb = DynamoDBDocumentClient.from(dynamodb);
  const config = loadConfig({ MAAS_MODEL_BUCKET: 'b', MAAS_MODELS_TABLE: 't' });
  return { deps: createServing(config, { s3, ddb }), s3, ddb };
}

/** A GetObject body: in Node the SDK hands over a readable stream, which maas iterates. */
const body = (data: Buffer) => Readable.from([data]);

describe('model loading when the store misbehaves', () => {
  afterEach(() => {
    mockClient(S3Client).restore();
    mockClient(DynamoDBDocumentClient).restore();
  });

  it('answers 503 naming the store when S3 times out', async () => {
    const { deps, s3 } = serving();
    mockClient(s3)
      .on(GetObjectCommand)
      .rejects(Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }));
    const load = deps.sessions.warm(version);
    await expect(load).rejects.toThrow(UnavailableError);
    await expect(load).rejects.toThrow(
      "model 'm' version 1 cannot be loaded: model store unavailable (TimeoutError)",
    );
  });

  it('answers 503 saying the bytes are missing, and how to restore them, when S3 has none', async () => {
    const { deps, s3 } = serving();
    mockClient(s3)
      .on(GetObjectCommand)
      .rejects(
        Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' }),
      );
    await expect(deps.sessions.warm(version)).rejects.toThrow(
      "model 'm' version 1 cannot be loaded: its stored bytes are missing; pushing the same file again restores them",
    );
  });

  it('refuses bytes that do not hash to the recorded sha256 (503, never served)', async () => {
    const { deps, s3 } = serving();
    mockClient(s3)
      .on(GetObjectCommand)
      .resolves({ Body: body(Buffer.from('other bytes')) } as never);
    await expect(deps.sessions.warm(version)).rejects.toThrow(IntegrityError);
  });

  it('refuses a short read as an integrity failure', async () => {
    const { deps, s3 } = serving();
    mockClient(s3)
      .on(GetObjectCommand)
      .resolves({ Body: body(bytes.subarray(0, 3)) } as never);
    await expect(deps.sessions.warm(version)).rejects.toThrow(/are not the 11 bytes recorded/);
  });

  it('refuses a body longer than recorded without writing past the model', async () => {
    const { deps, s3 } = serving();
    // The recorded bytes first, then more in a second chunk: the size check must see the extra.
    mockClient(s3)
      .on(GetObjectCommand)
      .resolves({ Body: Readable.from([bytes, Buffer.from('more')]) } as never);
    await expect(deps.sessions.warm(version)).rejects.toThrow(/are not the 11 bytes recorded/);
  });

  it("keeps onnxruntime's own words for the log: the client hears the model cannot be opened", async () => {
    // 'model bytes' hash as recorded, but are no model: onnxruntime's message names its sources.
    const { deps, s3 } = serving();
    mockClient(s3)
      .on(GetObjectCommand)
      .resolves({ Body: body(bytes) } as never);
    const refused = await deps.sessions.warm(version).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(UnavailableError);
    expect((refused as Error).message).toBe(
      "model 'm' version 1 cannot be loaded: onnxruntime could not open it here (the cause is in the function's log)",
    );
    expect(((refused as Error).cause as Error).message).toMatch(/^not a loadable ONNX model: /);
  });

  it('answers 503 when DynamoDB throttles the registry read', async () => {
    const { deps, ddb } = serving();
    const throttled = Object.assign(new Error('Rate exceeded'), {
      name: 'ProvisionedThroughputExceededException',
      $metadata: {},
    });
    // Head and versions are read at once: throttling refuses both.
    mockClient(ddb).on(GetCommand).rejects(throttled).on(QueryCommand).rejects(throttled);
    await expect(deps.catalog.resolve('m')).rejects.toThrow(
      'model registry unavailable: ProvisionedThroughputExceededException',
    );
  });
});
