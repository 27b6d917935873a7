import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Config } from './config.js';

export interface Clients {
  readonly s3: S3Client;
  /** The plain client, for table administration; items go through `ddb`. */
  readonly dynamodb: DynamoDBClient;
  readonly ddb: DynamoDBDocumentClient;
}

/** The emulators accept any signature; these only satisfy the SDK's signer. */
const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/** The same SDK clients on AWS and locally; only the endpoint and credentials differ. */
export function createClients(config: Config): Clients {
  const s3 = new S3Client({
    region: config.region,
    // Fail fast when the store is unreachable, so a request answers 503 instead of hanging until the
    // API Gateway timeout. A request may take long: a ranged GET of 8 MiB on a slow link. Without
    // throwOnRequestTimeout the SDK only warns when the time is up, and a store that accepted the
    // connection but never answers holds the call (and a model's load, which every request for the
    // model then joins) for good.
    requestHandler: {
      connectionTimeout: 2_000,
      requestTimeout: 20_000,
      throwOnRequestTimeout: true,
    },
    // s3rver only understands path-style URLs; AWS accepts them too.
    forcePathStyle: true,
    // The SDK's default flexible checksums make s3rver store streamed uploads corrupted. Integrity is
    // checked by maas itself (Content-MD5 per part, sha256 on every read), so nothing is lost on AWS.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(config.s3Endpoint === undefined
      ? {}
      : { endpoint: config.s3Endpoint, credentials: LOCAL_CREDENTIALS }),
  });
  const dynamodb = new DynamoDBClient({
    region: config.region,
    requestHandler: {
      connectionTimeout: 2_000,
      requestTimeout: 5_000,
      throwOnRequestTimeout: true,
    },
    ...(config.dynamodbEndpoint === undefined
      ? {}
      : { endpoint: config.dynamodbEndpoint, credentials: LOCAL_CREDENTIALS }),
  });
  const ddb = DynamoDBDocumentClient.from(dynamodb, {
    marshallOptions: { removeUndefinedValues: true },
  });
  return { s3, dynamodb, ddb };
}
