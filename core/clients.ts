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
    ...(config.dynamodbEndpoint === undefined
      ? {}
      : { endpoint: config.dynamodbEndpoint, credentials: LOCAL_CREDENTIALS }),
  });
  const ddb = DynamoDBDocumentClient.from(dynamodb, {
    marshallOptions: { removeUndefinedValues: true },
  });
  return { s3, dynamodb, ddb };
}
