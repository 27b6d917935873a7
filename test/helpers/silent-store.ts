import { createServer, type Socket } from 'node:net';

/**
 * A store on 127.0.0.1 that accepts connections and never answers, as S3 or DynamoDB do when they
 * hang; or, with `hangUp`, closes each connection at once. Its URL serves as any SDK client's endpoint.
 */
export interface SilentStore {
  readonly endpoint: string;
  hangUp: boolean;
  close(): Promise<void>;
}

export async function startSilentStore(): Promise<SilentStore> {
  const sockets = new Set<Socket>();
  const store = {
    endpoint: '',
    hangUp: false,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  const server = createServer((socket) => {
    if (store.hangUp) return void socket.destroy();
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  store.endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return store;
}
