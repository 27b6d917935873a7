import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { pushModel } from '../../core/models/push.js';
import { promote, startCanary } from '../../core/models/routing.js';
import { addSubModel, largeModel } from '../../tools/onnx-models.js';
import { captureOutput, jsonLines } from '../helpers/output.js';
import { type LocalEnv, request, startLocal } from '../helpers/start-local.js';

interface Emf {
  _aws: {
    CloudWatchMetrics: {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: string; Unit: string }[];
    }[];
  };
  [key: string]: unknown;
}

/** Runs `work` and returns the JSON lines the process wrote meanwhile (logs and EMF), and their text. */
async function captureStdout(
  work: () => Promise<unknown>,
): Promise<{ lines: Record<string, unknown>[]; raw: string }> {
  const raw = await captureOutput(work);
  return { lines: jsonLines(raw), raw };
}

const emfWith = (lines: Record<string, unknown>[], metric: string) =>
  lines.filter(
    (l): l is Emf =>
      '_aws' in l &&
      (l as Emf)._aws.CloudWatchMetrics.some((d) => d.Metrics.some((m) => m.Name === metric)),
  );
/** The directive of an EMF document that carries `metric`. */
const directiveOf = (emf: Emf | undefined, metric: string) =>
  emf?._aws.CloudWatchMetrics.find((d) => d.Metrics.some((m) => m.Name === metric));

describe('logs and metrics of the inference handler (local stack)', () => {
  let local: LocalEnv;
  beforeAll(async () => {
    process.env.POWERTOOLS_LOG_LEVEL = 'INFO'; // the handlers read it when the local stack imports them
    local = await startLocal({ MAAS_METADATA_TTL_MS: '0' });
    await pushModel(local.deps, { name: 'demo', bytes: addSubModel(), createdBy: 'test' });
  });
  afterAll(async () => {
    await local.stop();
    process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
  });

  const secretValue = 123.456789;
  const infer = (model: string, body: object) =>
    request(local, 'POST', `/v2/models/${model}/infer`, { body });
  const demoBody = {
    inputs: [
      { name: 'a', datatype: 'FP32', shape: [2], data: [secretValue, 1] },
      { name: 'b', datatype: 'FP32', shape: [2], data: [2, 3] },
    ],
  };

  it('writes one request log line with the named fields, and neither tensor data nor the key', async () => {
    const { lines, raw } = await captureStdout(() => infer('demo', demoBody));
    const logs = lines.filter((l) => l.message === 'request');
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatchObject({
      level: 'INFO',
      service: 'maas',
      function_request_id: expect.any(String),
      route: 'modelInfer',
      model: 'demo',
      version: 1,
      role: 'newest',
      key: 'local',
      status: 200,
      latency_ms: expect.any(Number),
      inference_ms: expect.any(Number),
      bytes_in: Buffer.byteLength(JSON.stringify(demoBody)),
      bytes_out: expect.any(Number),
    });
    expect(raw).not.toContain(String(secretValue));
    expect(raw).not.toContain(String(secretValue + 2)); // nor the output
    expect(raw).not.toContain(local.apiKey.split('.')[2]);
  });

  it('emits parseable EMF with the request metrics, overall and per model', async () => {
    const { lines, raw } = await captureStdout(() => infer('demo', demoBody));
    // The service field is both the log's and the metrics' dimension: written once.
    expect(raw.match(/"service":/g)).toHaveLength(1);
    const [emf] = emfWith(lines, 'Requests');
    const directive = emf!._aws.CloudWatchMetrics[0]!;
    expect(directive.Namespace).toBe('maas');
    expect(directive.Dimensions).toEqual([['service'], ['service', 'Model']]);
    expect(directive.Metrics.map((m) => m.Name)).toEqual(
      expect.arrayContaining([
        'Requests',
        'ClientErrors',
        'ServerErrors',
        'Latency',
        'InferenceLatency',
        'BytesIn',
        'BytesOut',
        'CacheHits',
      ]),
    );
    expect(emf).toMatchObject({
      service: 'maas',
      Model: 'demo',
      Requests: 1,
      ServerErrors: 0,
      CacheHits: 1,
    });
    // One write per request: the log line is the EMF document.
    expect(emf).toMatchObject({ message: 'request', route: 'modelInfer' });
    expect(emfWith(lines, 'Requests')).toHaveLength(1);
  });

  it('counts a refused request as a client error, logged at WARN with its reason, without a model dimension for unknown models', async () => {
    const { lines } = await captureStdout(() => infer('no-such-model', demoBody));
    expect(lines.find((l) => l.message === 'request')).toMatchObject({
      level: 'WARN',
      status: 404,
      error: "model 'no-such-model' not found",
    });
    const [emf] = emfWith(lines, 'Requests');
    expect(emf).toMatchObject({ ClientErrors: 1, ServerErrors: 0 });
    expect(emf!._aws.CloudWatchMetrics[0]!.Dimensions).toEqual([['service']]);
  });

  it('reports routed requests by role, for the canary alarm', async () => {
    for (const seed of [1, 2])
      await pushModel(local.deps, {
        name: 'routed',
        bytes: largeModel(64, seed),
        createdBy: 'test',
      });
    await promote(local.deps, { name: 'routed', version: 1, by: 'test' });
    await startCanary(local.deps, { name: 'routed', version: 2, weight: 50, by: 'test' });
    const body = { inputs: [{ name: 'x', datatype: 'FP32', shape: [1], data: [1] }] };
    const { lines } = await captureStdout(async () => {
      for (let i = 0; i < 20; i++) await infer('routed', body);
    });
    const routed = emfWith(lines, 'RoutedRequests');
    expect(routed).toHaveLength(20);
    expect(new Set(routed.map((e) => e.Role))).toEqual(new Set(['stable', 'canary']));
    expect(directiveOf(routed[0], 'RoutedRequests')!.Dimensions).toEqual([
      ['service', 'Role'],
      ['service', 'Role', 'Model'],
    ]);
  });

  it('reports model loads, and integrity failures apart from other load failures', async () => {
    const { version } = await pushModel(local.deps, {
      name: 'broken',
      bytes: largeModel(64, 9),
      createdBy: 'test',
    });
    await local.deps.s3.send(
      new PutObjectCommand({
        Bucket: local.deps.modelBucket,
        Key: version.objectKey,
        Body: 'garbage',
      }),
    );
    const { lines } = await captureStdout(() =>
      infer('broken', { inputs: [{ name: 'x', datatype: 'FP32', shape: [1], data: [1] }] }),
    );
    expect(lines.find((l) => l.message === 'model load failed')).toMatchObject({
      level: 'ERROR',
      model: 'broken@1',
    });
    const [integrity] = emfWith(lines, 'IntegrityFailures');
    expect(integrity).toMatchObject({ Model: 'broken', IntegrityFailures: 1 });
    // Overall for the alarm, per model for the dashboard.
    expect(integrity!._aws.CloudWatchMetrics[0]!.Dimensions).toEqual([
      ['service'],
      ['service', 'Model'],
    ]);
    expect(lines.find((l) => l.message === 'request')).toMatchObject({
      level: 'ERROR',
      status: 503,
    });

    await pushModel(local.deps, { name: 'cold', bytes: largeModel(64, 10), createdBy: 'test' });
    const { lines: coldLines } = await captureStdout(() =>
      infer('cold', { inputs: [{ name: 'x', datatype: 'FP32', shape: [1], data: [1] }] }),
    );
    expect(emfWith(coldLines, 'ModelLoadTime')[0]).toMatchObject({
      Model: 'cold',
      ModelLoadTime: expect.any(Number),
    });
    expect(coldLines.find((l) => l.message === 'request')).toMatchObject({ model_loaded: true });
  });
});
