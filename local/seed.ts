import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { ENV } from '../core/config.js';
import { TABLES } from '../core/tables.js';

export interface LocalResources {
  readonly modelBucket: string;
  readonly modelsTable: string;
  readonly keysTable: string;
}

/** The names the local stack uses; on AWS the stacks choose them. */
export const LOCAL_RESOURCES: LocalResources = {
  modelBucket: 'maas-models',
  modelsTable: 'maas-models',
  keysTable: 'maas-keys',
};

/** Creates the bucket and tables when absent; returns true when the tables were new (a fresh store). */
export async function seed(
  clients: { s3: S3Client; dynamodb: DynamoDBClient },
  resources: LocalResources = LOCAL_RESOURCES,
): Promise<boolean> {
  // s3rver says AlreadyExists for a bucket that is ours; AWS says AlreadyOwnedByYou.
  await ignore(clients.s3.send(new CreateBucketCommand({ Bucket: resources.modelBucket })), [
    'BucketAlreadyOwnedByYou',
    'BucketAlreadyExists',
  ]);
  const created = await Promise.all([
    createTable(clients.dynamodb, resources.modelsTable, TABLES.models),
    createTable(clients.dynamodb, resources.keysTable, TABLES.keys),
  ]);
  return created.every(Boolean);
}

async function createTable(
  dynamodb: DynamoDBClient,
  name: string,
  keys: { partitionKey: string; sortKey?: string },
): Promise<boolean> {
  const attributes = [keys.partitionKey, ...(keys.sortKey === undefined ? [] : [keys.sortKey])];
  const created = await ignore(
    dynamodb.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: attributes.map((a) => ({ AttributeName: a, AttributeType: 'S' })),
        KeySchema: attributes.map((a, i) => ({
          AttributeName: a,
          KeyType: i === 0 ? 'HASH' : 'RANGE',
        })),
      }),
    ),
    ['ResourceInUseException'],
  );
  await untilActive(dynamodb, name);
  return created !== undefined;
}

/**
 * Waits for a table to be ACTIVE. dynalite, like DynamoDB, answers a new table CREATING until a timer
 * fires (even at createTableMs 0), and refuses writes to it meanwhile; on a busy machine the first
 * write could otherwise come first.
 */
async function untilActive(dynamodb: DynamoDBClient, name: string): Promise<void> {
  for (let attempt = 0; attempt < 500; attempt++) {
    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: name }));
    if (Table?.TableStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`table ${name} did not become ACTIVE`);
}

/** Awaits `work`, treating the named "already exists" errors as success without a result. */
async function ignore<T>(work: Promise<T>, exists: readonly string[]): Promise<T | undefined> {
  try {
    return await work;
  } catch (error) {
    // By name: the SDK does not always throw the modelled error class for these.
    if (exists.includes((error as Error).name)) return undefined;
    throw error;
  }
}

/** The environment the handlers read, pointing at the emulators and the local resources. */
export function localEnv(
  endpoints: { s3Endpoint: string; dynamodbEndpoint: string },
  resources: LocalResources = LOCAL_RESOURCES,
): Record<string, string> {
  return {
    [ENV.s3Endpoint]: endpoints.s3Endpoint,
    [ENV.dynamodbEndpoint]: endpoints.dynamodbEndpoint,
    [ENV.modelBucket]: resources.modelBucket,
    [ENV.modelsTable]: resources.modelsTable,
    [ENV.keysTable]: resources.keysTable,
  };
}
