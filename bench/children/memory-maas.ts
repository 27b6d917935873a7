// Child for scenario 4, bundled and run by plain node --expose-gc: the inference function's process
// loading models through its serving path (one inference per model), reporting RSS on the way.
// argv: the handler bundle, then a file holding the MemoryPlan (JSON).
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { invocationContext, send } from './io.js';
import { settledRss } from './rss.js';

export interface MemoryPlan {
  /** Touches everything but loads no model (GET /v2/health/ready): taken before the base. */
  readonly readyEvent: APIGatewayProxyEvent;
  /** Loads a model of a few hundred bytes, which initialises onnxruntime itself. */
  readonly runtimeEvent: APIGatewayProxyEvent;
  /** One inference per measured model, in order. */
  readonly events: APIGatewayProxyEvent[];
  /** After how many models to measure. */
  readonly checkpoints: number[];
}

export interface MemoryResult {
  /** RSS in bytes with everything loaded but no model. */
  readonly base: number;
  /** RSS once onnxruntime has created its first session (of a model of a few hundred bytes). */
  readonly runtimeBase: number;
  readonly points: { readonly models: number; readonly rss: number }[];
}

const [bundle, planFile] = process.argv.slice(2) as [string, string];
// From a file: onnxruntime-node 1.30 crashes creating a session when the command line is long.
const plan = JSON.parse(readFileSync(planFile, 'utf8')) as MemoryPlan;
const { handler } = (await import(pathToFileURL(bundle).href)) as {
  handler: (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;
};
const context = invocationContext('memory');
const call = async (event: APIGatewayProxyEvent) => {
  const response = await handler(event, context);
  if (response.statusCode !== 200)
    throw new Error(`answered ${response.statusCode}: ${response.body.slice(0, 300)}`);
};

// The SDK clients, middy and the logger are all warm before the base is taken.
await call(plan.readyEvent);
const base = await settledRss();
await call(plan.runtimeEvent);
const runtimeBase = await settledRss();
const points: MemoryResult['points'] = [];
for (const [i, event] of plan.events.entries()) {
  await call(event);
  if (plan.checkpoints.includes(i + 1)) points.push({ models: i + 1, rss: await settledRss() });
}
send({ base, runtimeBase, points } satisfies MemoryResult);
process.exit(0);
