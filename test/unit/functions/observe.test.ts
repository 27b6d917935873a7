import { LogLevelThreshold } from '@aws-lambda-powertools/logger';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { factsOf, isoTimestamp, observe } from '../../../functions/shared/observe.js';
import { logger } from '../../../functions/shared/powertools.js';
import { captureOutput } from '../../helpers/output.js';

type Request = Parameters<NonNullable<ReturnType<typeof observe>['after']>>[0];

/** What one request's observe() writes, with the logger's level as `level` when it is created. */
async function lineOf(
  level: keyof typeof LogLevelThreshold,
  fill: (event: APIGatewayProxyEvent) => APIGatewayProxyResult,
): Promise<string> {
  jest.spyOn(logger, 'level', 'get').mockReturnValue(LogLevelThreshold[level]);
  const middleware = observe();
  const event = { body: '{"inputs":[]}', isBase64Encoded: false } as APIGatewayProxyEvent;
  const request = {
    event,
    context: { functionName: 'maas-inference', awsRequestId: 'req-1' },
  } as unknown as Request;
  await middleware.before?.(request);
  request.response = fill(event);
  return captureOutput(() => middleware.after?.(request));
}

/** A refused request on a canary, with every field set and an error message JSON must escape. */
const refused = (event: APIGatewayProxyEvent): APIGatewayProxyResult => {
  const facts = factsOf(event);
  facts.route = 'modelInfer';
  facts.model = 'vad';
  facts.key = 'ci "bot"';
  facts.bytesIn = 12;
  Object.assign(facts.notes, { version: 3, role: 'canary', loaded: true, inferenceMs: 1.23456 });
  const error = 'input "x\\y"\nis é 😀 \u2028 wrong';
  return { statusCode: 400, body: JSON.stringify({ error }) };
};

describe('the request log line', () => {
  afterEach(() => {
    jest.restoreAllMocks();
    delete process.env._X_AMZN_TRACE_ID;
    delete process.env.POWERTOOLS_DEV;
    delete (globalThis as { awslambda?: unknown }).awslambda;
  });

  it("takes the trace id from the runtime's per-invocation store first, as Powertools does", async () => {
    process.env._X_AMZN_TRACE_ID = 'Root=1-env-trace;Parent=123;Sampled=1';
    const traceOf = async () =>
      (JSON.parse(await lineOf('INFO', refused)) as { xray_trace_id?: string }).xray_trace_id;
    expect(await traceOf()).toBe('1-env-trace');
    let stored: string | undefined = 'Root=1-store-trace;Parent=456;Sampled=0';
    (globalThis as { awslambda?: unknown }).awslambda = {
      InvokeStore: { getXRayTraceId: () => stored },
    };
    expect(await traceOf()).toBe('1-store-trace');
    stored = '1-bare-trace'; // the store may hold the id alone
    expect(await traceOf()).toBe('1-bare-trace');
    stored = undefined; // outside an invocation's context
    expect(await traceOf()).toBe('1-env-trace');
    delete process.env._X_AMZN_TRACE_ID;
    expect(await traceOf()).toBeUndefined();
  });

  it('is one JSON line with every known field, escaped, and its metrics in EMF', async () => {
    process.env._X_AMZN_TRACE_ID = 'Root=1-abc-def;Parent=123;Sampled=1';
    const before = Date.now();
    const text = await lineOf('INFO', refused);
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.split('\n')).toHaveLength(2); // one line: the newline inside the message is escaped
    const line = JSON.parse(text) as Record<string, unknown> & {
      _aws: { Timestamp: number; CloudWatchMetrics: unknown[] };
    };
    expect(Object.keys(line)).toEqual([
      'level',
      'message',
      'timestamp',
      'service',
      'cold_start',
      'function_name',
      'function_request_id',
      'xray_trace_id',
      'route',
      'model',
      'version',
      'role',
      'key',
      'status',
      'latency_ms',
      'inference_ms',
      'model_loaded',
      'bytes_in',
      'bytes_out',
      'cold_start_request',
      'error',
      'Model',
      'Role',
      'Requests',
      'ClientErrors',
      'ServerErrors',
      'Latency',
      'BytesIn',
      'BytesOut',
      'InferenceLatency',
      'CacheMisses',
      'RoutedRequests',
      'RoutedErrors',
      '_aws',
    ]);
    expect(line).toMatchObject({
      level: 'WARN',
      message: 'request',
      service: 'maas',
      cold_start: true,
      function_name: 'maas-inference',
      function_request_id: 'req-1',
      xray_trace_id: '1-abc-def',
      route: 'modelInfer',
      model: 'vad',
      version: 3,
      role: 'canary',
      key: 'ci "bot"',
      status: 400,
      inference_ms: 1.23,
      model_loaded: true,
      bytes_in: 12,
      bytes_out: Buffer.byteLength(refused({} as APIGatewayProxyEvent).body),
      cold_start_request: true,
      error: 'input "x\\y"\nis é 😀 \u2028 wrong',
      Model: 'vad',
      Role: 'canary',
      Requests: 1,
      ClientErrors: 1,
      ServerErrors: 0,
      BytesIn: 12,
      InferenceLatency: 1.23456,
      CacheMisses: 1,
      RoutedRequests: 1,
      RoutedErrors: 1,
    });
    expect(line.latency_ms).toBe(Math.round((line.Latency as number) * 100) / 100);
    expect(line._aws.Timestamp).toBeGreaterThanOrEqual(before);
    expect(line._aws.Timestamp).toBeLessThanOrEqual(Date.now());
    expect(line.timestamp).toBe(new Date(line._aws.Timestamp).toISOString());
    expect(line._aws.CloudWatchMetrics).toHaveLength(2); // the request metrics, and the routed ones
  });

  it('leaves out what is not known, as JSON.stringify leaves out undefined fields', async () => {
    const text = await lineOf('INFO', () => ({ statusCode: 200, body: '' }));
    const line = JSON.parse(text) as Record<string, unknown>;
    for (const absent of ['xray_trace_id', 'route', 'model', 'version', 'role', 'error', 'Model'])
      expect(line).not.toHaveProperty(absent);
    expect(line).toMatchObject({ level: 'INFO', status: 200, bytes_out: 0, Requests: 1 });
  });

  it('counts the bytes a base64 body carries, its padding left out', async () => {
    for (const bytes of [1, 2, 3, 4]) {
      const body = Buffer.alloc(bytes).toString('base64');
      const text = await lineOf('INFO', () => ({ statusCode: 200, body, isBase64Encoded: true }));
      expect(JSON.parse(text)).toMatchObject({ bytes_out: bytes, BytesOut: bytes });
    }
  });

  it('still carries the metrics when the log level hides the line', async () => {
    const text = await lineOf('ERROR', refused);
    const line = JSON.parse(text) as Record<string, unknown>;
    expect(line).not.toHaveProperty('message');
    expect(line).not.toHaveProperty('key'); // nor anything else of the hidden line
    expect(line).toMatchObject({ service: 'maas', Model: 'vad', Requests: 1, ClientErrors: 1 });
    expect(line).toHaveProperty('_aws');
  });

  it('is pretty-printed for a person in dev mode, without metrics', async () => {
    process.env.POWERTOOLS_DEV = 'true';
    const text = await lineOf('INFO', refused);
    expect(text).toContain('\n    "level": "WARN",\n');
    expect(JSON.parse(text)).not.toHaveProperty('_aws');
  });
});

describe('isoTimestamp', () => {
  it('prints what Date.prototype.toISOString prints, whatever the order of the times', () => {
    // Around minute boundaries, backwards as a clock can step, and far from now (years past 9999
    // print with a sign and six digits).
    const near = Date.UTC(2026, 10, 23, 11, 59, 59, 998);
    const times = [near, near + 1, near + 2, near + 60_000, near - 1, 0, -1, -60_001];
    for (let i = 0; i < 2000; i++) {
      times.push(Math.floor((Math.random() - 0.5) * 2 * 8.64e15));
      times.push(near + Math.floor(Math.random() * 180_000) - 90_000);
    }
    times.push(8.64e15, -8.64e15, Date.UTC(10000, 0, 1) - 1, Date.UTC(10000, 0, 1));
    for (const ms of times) expect(isoTimestamp(ms)).toBe(new Date(ms).toISOString());
  });
});
