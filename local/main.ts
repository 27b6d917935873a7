// `npm start`: the whole maas on this machine. See README.md, "Quick start".
import { relative } from 'node:path';
import {
  claimHome,
  clearLocalState,
  homePaths,
  maasHome,
  readLocalState,
  releaseHome,
} from './home.js';
import { DEMO_MODEL, startLocalStack } from './stack.js';

// maas supports Node 20 locally on purpose (Lambda runs 22); the SDK's reminder is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// On a terminal the handlers' JSON log lines are pretty-printed (Powertools' dev mode, which also leaves
// out EMF metrics); piped to a file they are exactly the lines CloudWatch would hold.
if (process.stdout.isTTY) process.env.POWERTOOLS_DEV ??= 'true';

const home = maasHome();
const port = Number(process.env.PORT || 8080); // an empty PORT is no PORT
if (!Number.isInteger(port) || port < 0 || port > 65535)
  fail(`PORT must be a port number (0 picks a free one), not '${process.env.PORT}'`);

const claim = await claimHome(home);
if (claim.heldBy !== undefined) {
  const running = await readLocalState(home);
  fail(
    running === undefined
      ? `maas is already starting from ${home} (pid ${claim.heldBy})`
      : `maas is already running from ${home} at ${running.url} (pid ${running.pid})`,
  );
}

const stack = await startLocalStack({ home, port, demo: true }).catch(
  (error: NodeJS.ErrnoException) => {
    if (error.code === 'EADDRINUSE')
      fail(`port ${port} is in use: set PORT to another port, or PORT=0 for a free one`);
    throw error;
  },
);

const keyPath = homePaths(home).apiKey;
const keyFile = relative(process.cwd(), keyPath).startsWith('..')
  ? keyPath
  : relative(process.cwd(), keyPath);
console.log(`maas listening on ${stack.url}`);
console.log(`
data:     ${home}${stack.fresh ? ' (new)' : ''}
API key:  ${keyFile} (every route needs it)

Try it:
  export MAAS_KEY=$(cat ${keyFile})
  curl -H "Authorization: Bearer $MAAS_KEY" ${stack.url}/v2/health/ready -i
  curl -H "Authorization: Bearer $MAAS_KEY" ${stack.url}/v2/models/${DEMO_MODEL}/infer \\
    -d '{"inputs":[{"name":"a","datatype":"FP32","shape":[3],"data":[1,2,3]},{"name":"b","datatype":"FP32","shape":[3],"data":[10,20,30]}]}'
  npx maas models list --local

Ctrl-C stops it; your models stay in ${home}.`);

// A Ctrl-C reaches this process twice, from the terminal and forwarded by npm, within milliseconds:
// only a signal well after the first one means "stop now".
const REPEAT_MS = 1_000;
let stoppingSince: number | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stoppingSince !== undefined) {
      if (Date.now() - stoppingSince < REPEAT_MS) return;
      console.error('maas: stopping now, without waiting');
      process.exit(1);
    }
    stoppingSince = Date.now();
    console.log(
      `\nmaas: ${signal}: finishing in-flight requests and flushing data… (again to stop at once)`,
    );
    stack
      .stop()
      .then(() => clearLocalState(home))
      .then(() => releaseHome(home))
      .then(
        () => {
          console.log('maas: stopped');
          process.exit(0);
        },
        (error: unknown) => {
          console.error('maas: stop failed:', error);
          process.exit(1);
        },
      );
  });
}

function fail(message: string): never {
  console.error(`maas: ${message}`);
  process.exit(1);
}
