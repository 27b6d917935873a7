// Child for scenario 2: the whole local maas (emulators, handlers, HTTP server, as `npm start` runs
// it) with the model file in argv[2] pushed under the name in argv[3]; writes its URL and API key.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClients } from '../../core/clients.js';
import { loadConfig } from '../../core/config.js';
import { pushModel } from '../../core/models/push.js';
import { LOCAL_RESOURCES, localEnv } from '../../local/seed.js';
import { startLocalStack } from '../../local/stack.js';
import { send } from './io.js';

const [file, name] = process.argv.slice(2) as [string, string];
const home = await mkdtemp(join(tmpdir(), 'maas-bench-home-'));
const stack = await startLocalStack({ home, port: 0, persist: false, demo: false });
const clients = createClients(loadConfig(localEnv(stack.state)));
await pushModel(
  { ...clients, ...LOCAL_RESOURCES },
  { name, bytes: readFileSync(file), createdBy: 'maas-bench' },
);
clients.s3.destroy();
clients.dynamodb.destroy();
send({ url: stack.url, apiKey: stack.apiKey });
process.once('SIGTERM', () => {
  stack
    .stop()
    .then(() => rm(home, { recursive: true, force: true }))
    .then(() => process.exit(0));
});
