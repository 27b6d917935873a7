// Child for scenario 3, bundled and run by plain node: a Lambda cold start of the inference function.
// argv: the handler bundle, then a file holding the API Gateway event of the first request (JSON). The
// store comes from the environment, as on Lambda. It writes when each phase ended, on the shared
// monotonic clock.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { requireLayerModule } from '../../core/inference/layer-modules.js';
import { invocationContext, now, send } from './io.js';

export interface ColdMaasTimes {
  readonly started: string;
  readonly imported: string;
  readonly sessionStarted: string;
  readonly sessionCreated: string;
  readonly responded: string;
}

const [bundle, eventFile] = process.argv.slice(2) as [string, string];
// The runtime hands the event over parsed; reading it is not part of maas's cold start.
const event = JSON.parse(readFileSync(eventFile, 'utf8')) as APIGatewayProxyEvent;
const started = now();
// INIT: what Lambda does before the first invocation.
const { handler } = (await import(pathToFileURL(bundle).href)) as {
  handler: (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;
};
const imported = now();

// The handler has required onnxruntime-node already (core/inference/layer-modules.ts); this require is
// a cache hit, where an import would parse it for its export names. Wrapping its session factory splits
// the first request into fetching the model and creating its session, without touching maas's code.
const ort = requireLayerModule('onnxruntime-node') as typeof import('onnxruntime-node');
let sessionStarted = '';
let sessionCreated = '';
const create = ort.InferenceSession.create.bind(ort.InferenceSession) as (
  ...args: unknown[]
) => Promise<unknown>;
(ort.InferenceSession as { create: unknown }).create = async (...args: unknown[]) => {
  sessionStarted = now();
  const session = await create(...args);
  sessionCreated = now();
  return session;
};

const response = await handler(event, invocationContext('cold-start'));
const responded = now();
if (response.statusCode !== 200) {
  throw new Error(`first request answered ${response.statusCode}: ${response.body.slice(0, 300)}`);
}
send({ started, imported, sessionStarted, sessionCreated, responded } satisfies ColdMaasTimes);
// The SDK's keep-alive sockets would hold the process open; a cold start ends at the response.
process.exit(0);
