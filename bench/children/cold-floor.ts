// Child for scenario 3, bundled and run by plain node: the least a cold start must do beyond the raw
// sequence in maas's shape, whatever the rest of maas's code does. The function reads its models from
// S3 through the AWS SDK, so it must load the SDK clients and download the model's bytes where the raw
// sequence reads a file. argv: the store bundle (floor-store.ts), then the clients' settings, the
// bucket, and the model object's key, size and sha256. It writes when each part ended.
import { pathToFileURL } from 'node:url';
import type { Config } from '../../core/config.js';
import type * as FloorStore from './floor-store.js';
import { now, send } from './io.js';

export interface ColdFloorTimes {
  readonly started: string;
  readonly imported: string;
  readonly fetched: string;
}

const [bundle, settings, bucket, key, size, sha256] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
  string,
];
const started = now();
const store = (await import(pathToFileURL(bundle).href)) as typeof FloorStore;
const { s3 } = store.createClients(JSON.parse(settings) as Config);
const imported = now();
await store.readModelBytes({ s3, modelBucket: bucket }, key, Number(size), sha256);
const fetched = now();
send({ started, imported, fetched } satisfies ColdFloorTimes);
// The SDK's keep-alive sockets would hold the process open.
process.exit(0);
