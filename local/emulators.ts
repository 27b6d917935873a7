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
  /** Starts them again on the same ports with the same data (after stop(): an outage, then recovery). */
  restart(): Promise<void>;
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

  const run = async (ports: { s3: number; dynamodb: number }) => {
    const s3 = new S3rver({ address: '127.0.0.1', port: ports.s3, directory: s3Dir, silent: true });
    const s3Address = await s3.run();
    const dynamo = dynalite({
      ...(options.persist === false ? {} : { path: dynamoDir }),
      // dynalite otherwise keeps new tables CREATING for 500 ms, like AWS; nothing here needs that.
      createTableMs: 0,
      deleteTableMs: 0,
      updateTableMs: 0,
    });
    const dynamoAddress = await listen(dynamo, ports.dynamodb);
    return {
      ports: { s3: s3Address.port, dynamodb: dynamoAddress.port },
      async stop() {
        const s3Closed = s3.close();
        s3.httpServer?.closeAllConnections(); // as in close() below
        await Promise.all([s3Closed, close(dynamo)]);
      },
    };
  };

  let running: Awaited<ReturnType<typeof run>> | undefined = await run({ s3: 0, dynamodb: 0 });
  const { ports } = running;
  const stop = async () => {
    const current = running;
    running = undefined;
    await current?.stop();
  };
  return {
    s3Endpoint: `http://127.0.0.1:${ports.s3}`,
    dynamodbEndpoint: `http://127.0.0.1:${ports.dynamodb}`,
    stop,
    async restart() {
      await stop();
      running = await run(ports);
    },
  };
}

function listen(server: Server, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server.address() as AddressInfo));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    // Keep-alive sockets from the SDK would hold close() open until they time out.
    server.closeAllConnections();
  });
}
