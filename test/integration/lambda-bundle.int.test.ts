import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Template } from 'aws-cdk-lib/assertions';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { createKey } from '../../core/auth/api-keys.js';
import { ENV } from '../../core/config.js';
import { pushModel } from '../../core/models/push.js';
import { addSubModel } from '../../tools/onnx-models.js';
import { context } from '../helpers/context.js';
import { loadFixture } from '../helpers/load-fixture.js';
import { startStore, type TestStore } from '../helpers/start-store.js';
import { type SynthesizedMaas, synthMaas } from '../helpers/synth-maas.js';

const run = promisify(execFile);

// Runs in a plain Node process, as Lambda would: imports each bundle, calls its handler, and reports
// what it answered and which onnxruntime native library the process mapped.
const INVOKE = `
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
const [inferenceFile, authorizerFile, inputFile] = process.argv.slice(1);
const { token, events, context } = JSON.parse(readFileSync(inputFile, 'utf8'));
const { handler: inference } = await import(pathToFileURL(inferenceFile).href);
const { handler: authorizer } = await import(pathToFileURL(authorizerFile).href);
const methodArn = 'arn:aws:execute-api:eu-west-1:123456789012:abc/prod/POST/v2/models/demo/infer';
const allowed = await authorizer({ type: 'TOKEN', authorizationToken: 'Bearer ' + token, methodArn }, context);
const refused = await authorizer(
  { type: 'TOKEN', authorizationToken: 'Bearer maas.bundle.wrong', methodArn }, context,
).then(() => 'allowed', (error) => error.message);
const answers = [];
for (const event of events) {
  event.requestContext.authorizer = { ...allowed.context, principalId: allowed.principalId };
  answers.push(await inference(event, context));
}
const natives = readFileSync('/proc/self/maps', 'utf8').split('\\n').map((l) => l.split(/\\s+/)[5])
  .filter((p) => p && /libonnxruntime\\.so|koffi\\.node/.test(p));
console.log('RESULT ' + JSON.stringify({ allowed, refused, answers, natives: [...new Set(natives)] }));
`;

const LARGE = {
  a: Float32Array.from({ length: 5_000 }, (_, i) => Math.sin(i) * 100),
  b: Float32Array.from({ length: 5_000 }, (_, i) => Math.cos(i) / 3),
};

describe('the synthesized Lambda bundles (x86_64), run locally with the synthesized layer', () => {
  let maas: SynthesizedMaas;
  let store: TestStore;
  let work: string;
  let result: {
    allowed: { principalId: string; policyDocument: { Statement: { Effect: string }[] } };
    refused: string;
    answers: { statusCode: number; body: string }[];
    natives: string[];
  };
  let output: string;

  beforeAll(async () => {
    // Prepare: synthesize as `cdk synth -c architecture=x86_64 -c preloadModels=demo` would
    maas = synthMaas({ architecture: 'x86_64', preloadModels: 'demo' });
    const resources = Object.values(Template.fromStack(maas.serving).toJSON().Resources) as {
      Type: string;
      Properties: { Description?: string; Code?: { S3Key: string }; Content?: { S3Key: string } };
    }[];
    // An asset's S3 key is its hash, and cdk.out holds it unzipped as asset.<hash>.
    const assetDir = (location: { S3Key: string } | undefined) =>
      join(maas.assembly.directory, `asset.${location?.S3Key.replace(/\.zip$/, '')}`);
    const functionDir = (description: string) =>
      assetDir(
        resources.find((r) => r.Properties.Description?.includes(description))?.Properties.Code,
      );
    const layer = resources.find((r) => r.Type === 'AWS::Lambda::LayerVersion');
    const layerModules = join(assetDir(layer?.Properties.Content), 'nodejs', 'node_modules');

    store = await startStore();
    await pushModel(store.deps, { name: 'demo', bytes: addSubModel(), createdBy: 'test' });
    const { token } = await createKey(
      { ddb: store.clients.ddb, keysTable: store.deps.keysTable },
      { name: 'bundle', createdBy: 'test' },
    );

    // Lay the artefacts out as Lambda does: each bundle in its own folder, the layer's node_modules
    // where module resolution finds them (Lambda: /opt/nodejs/node_modules), nothing else around.
    work = mkdtempSync(join(tmpdir(), 'maas-bundle-'));
    cpSync(functionDir('Open Inference Protocol'), join(work, 'inference'), { recursive: true });
    cpSync(functionDir('API key check'), join(work, 'authorizer'), { recursive: true });
    symlinkSync(layerModules, join(work, 'node_modules'), 'dir');
    const infer = loadFixture<APIGatewayProxyEvent>('events/apigw-rest', 'infer');
    const metadata = {
      ...structuredClone(infer),
      resource: '/v2/models/{name}',
      path: '/v2/models/demo',
      httpMethod: 'GET',
      body: null,
    };
    // 190 KB of JSON numbers, as FP32, through the WebAssembly scanner (number-scan.ts).
    const large = {
      ...structuredClone(infer),
      body: JSON.stringify({
        inputs: [
          { name: 'a', datatype: 'FP32', shape: [LARGE.a.length], data: Array.from(LARGE.a) },
          { name: 'b', datatype: 'FP32', shape: [LARGE.b.length], data: Array.from(LARGE.b) },
        ],
      }),
    };
    writeFileSync(
      join(work, 'input.json'),
      JSON.stringify({ token, context, events: [infer, metadata, large] }),
    );

    // Act
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      [ENV.region]: store.config.region,
      [ENV.s3Endpoint]: store.config.s3Endpoint,
      [ENV.dynamodbEndpoint]: store.config.dynamodbEndpoint,
      [ENV.modelBucket]: store.deps.modelBucket,
      [ENV.modelsTable]: store.deps.modelsTable,
      [ENV.keysTable]: store.deps.keysTable,
      [ENV.preloadModels]: 'demo,missing',
    };
    const { stdout, stderr } = await run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        INVOKE,
        join(work, 'inference', 'index.mjs'),
        join(work, 'authorizer', 'index.mjs'),
        join(work, 'input.json'),
      ],
      { cwd: work, env },
    );
    output = `${stdout}${stderr}`; // Powertools writes errors to stderr
    const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
    result = JSON.parse(line?.slice('RESULT '.length) ?? 'null');
  }, 180_000);

  afterAll(async () => {
    await store?.stop();
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
    maas?.dispose();
  });

  it('answers an inference request with the model it preloaded during init', () => {
    // Assess
    const [infer] = result.answers;
    expect(infer?.statusCode).toBe(200);
    expect(JSON.parse(infer?.body ?? '{}')).toMatchObject({
      model_name: 'demo',
      outputs: expect.arrayContaining([expect.objectContaining({ name: 'sum' })]),
    });
    expect(output).toMatch(/"message":"model preloaded".*"model":"demo"/);
    expect(output).toMatch(/"message":"model not preloaded[^"]*".*"model":"missing"/);
  });

  it('answers a metadata request', () => {
    const [, metadata] = result.answers;
    expect(metadata?.statusCode).toBe(200);
    expect(JSON.parse(metadata?.body ?? '{}')).toMatchObject({
      name: 'demo',
      platform: 'onnxruntime_onnx',
    });
  });

  it('answers a large JSON request with the sums onnxruntime computes', () => {
    const [, , large] = result.answers;
    expect(large?.statusCode).toBe(200);
    const { outputs } = JSON.parse(large?.body ?? '{}') as {
      outputs: { name: string; data: number[] }[];
    };
    const sum = outputs.find((o) => o.name === 'sum');
    expect(Float32Array.from(sum?.data ?? [])).toEqual(
      LARGE.a.map((a, i) => Math.fround(a + LARGE.b[i]!)),
    );
  });

  it('loads onnxruntime from the layer, not from node_modules', () => {
    expect(result.natives.length).toBeGreaterThan(0);
    for (const path of result.natives) expect(path.startsWith(maas.assembly.directory)).toBe(true);
    expect(result.natives.some((p) => p.includes('/linux/x64/'))).toBe(true);
  });

  it("sets glibc's allocator for model loads through the layer's koffi", () => {
    expect(result.natives).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/koffi\/build\/koffi\/linux_x64\/koffi\.node$/),
      ]),
    );
    expect(output).not.toMatch(/allocator defaults/);
  });

  it('runs the authorizer bundle: Allow for a valid key, "Unauthorized" for a wrong one', () => {
    expect(result.allowed.principalId).toBe('bundle');
    expect(result.allowed.policyDocument.Statement[0]?.Effect).toBe('Allow');
    expect(result.refused).toBe('Unauthorized');
  });
});
