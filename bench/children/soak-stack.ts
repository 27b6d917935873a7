// Child for `npm run soak`: the local maas (as `npm start` runs it) with several models pushed, on a
// throwaway home; writes its URL, API key and pid (the parent samples its memory from /proc).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClients } from '../../core/clients.js';
import { loadConfig } from '../../core/config.js';
import { pushModel } from '../../core/models/push.js';
import { LOCAL_RESOURCES, localEnv } from '../../local/seed.js';
import { startLocalStack } from '../../local/stack.js';
import { SOAK_MODELS } from '../soak-traffic.js';
import { send } from './io.js';

const home = await mkdtemp(join(tmpdir(), 'maas-soak-home-'));
const stack = await startLocalStack({ home, port: 0, persist: false, demo: false });
const clients = createClients(loadConfig(localEnv(stack.state)));
for (const model of SOAK_MODELS) {
  await pushModel(
    { ...clients, ...LOCAL_RESOURCES },
    { name: model.name, bytes: model.bytes(), createdBy: 'maas-soak' },
  );
}
clients.s3.destroy();
clients.dynamodb.destroy();
send({ url: stack.url, apiKey: stack.apiKey, pid: process.pid });
process.once('SIGTERM', () => {
  stack
    .stop()
    .then(() => rm(home, { recursive: true, force: true }))
    .then(() => process.exit(0));
});
