// Child for scenario 2: the bare reference server for the model file in argv[2], on a free port.
import { readFileSync } from 'node:fs';
import { startReferenceServer } from '../reference-server.js';
import { send } from './io.js';

const server = await startReferenceServer(readFileSync(process.argv[2] ?? ''));
send({ url: server.url });
process.once('SIGTERM', () => {
  server.close().then(() => process.exit(0));
});
