import { mkdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import dynalite from 'dynalite';
import S3rver from 's3rver';

export interface Emulators {
  readonly s3Endpoint: string;
  readonly dynamodbEndpoint: string;
  /** Stops both servers; dynalite closes its LevelDB store, so every write so far is on disk. */
  stop(): Promise<void>;
}

export interface EmulatorOptions {
  /** Where the emulators keep their data; DynamoDB is in memory when `persist` is false. */
  readonly dataDir: string;
  readonly persist?: boolean;
}

/** Starts s3rver and dynalite on free ports of 127.0.0.1. */
export async function startEmulators(options: EmulatorOptions): Promise<Emulators> {
  const s3Dir = join(options.dataDir, 's3');
  const dynamoDir = join(options.dataDir, 'dynamodb');
  await mkdir(s3Dir, { recursive: true });
  if (options.persist !== false) await mkdir(dynamoDir, { recursive: true });

  const s3 = new S3rver({ address: '127.0.0.1', port: 0, directory: s3Dir, silent: true });
  const s3Address = await s3.run();

  const dynamo = dynalite({
    ...(options.persist === false ? {} : { path: dynamoDir }),
    // dynalite otherwise keeps new tables CREATING for 500 ms, like AWS; nothing here needs that.
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  const dynamoAddress = await listen(dynamo);

  return {
    s3Endpoint: `http://127.0.0.1:${s3Address.port}`,
    dynamodbEndpoint: `http://127.0.0.1:${dynamoAddress.port}`,
    async stop() {
      const s3Closed = s3.close();
      s3.httpServer?.closeAllConnections(); // as in close() below
      await Promise.all([s3Closed, close(dynamo)]);
    },
  };
}

function listen(server: Server): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server.address() as AddressInfo));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    // Keep-alive sockets from the SDK would hold close() open until they time out.
    server.closeAllConnections();
  });
}
