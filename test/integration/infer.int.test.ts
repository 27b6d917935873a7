import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import ort from 'onnxruntime-node';
import { createKey, revokeKey } from '../../core/auth/api-keys.js';
import { pushModel } from '../../core/models/push.js';
import { DATATYPE_NAMES, type Datatype } from '../../core/oip/datatypes.js';
import { addSubModel, identityModel } from '../../tools/onnx-models.js';
import { context } from '../helpers/context.js';
import { loadFixture } from '../helpers/load-fixture.js';
import { sileroBytes } from '../helpers/models.js';
import {
  binaryRequest,
  jsonText,
  lengthPrefixed,
  parseBinaryResponse,
} from '../helpers/oip-client.js';
import { type LocalEnv, request, startLocal } from '../helpers/start-local.js';

const MAX_BODY = 256 * 1024;
const KEY_TTL_MS = 300;

/** Values per datatype that probe its edges; FP16 as numbers and as the half bits they encode to. */
const SAMPLES: Record<Datatype, { data: unknown[]; bytes: () => Uint8Array }> = {
  BOOL: { data: [true, false, true], bytes: () => Uint8Array.from([1, 0, 1]) },
  UINT8: { data: [0, 255, 7], bytes: () => Uint8Array.from([0, 255, 7]) },
  UINT16: { data: [0, 65535, 1], bytes: () => u8(Uint16Array.from([0, 65535, 1])) },
  UINT32: { data: [0, 4294967295], bytes: () => u8(Uint32Array.from([0, 4294967295])) },
  UINT64: {
    data: [0n, 18446744073709551615n, 9007199254740993n],
    bytes: () => u8(BigUint64Array.from([0n, 2n ** 64n - 1n, 2n ** 53n + 1n])),
  },
  INT8: { data: [-128, 127, 0], bytes: () => u8(Int8Array.from([-128, 127, 0])) },
  INT16: { data: [-32768, 32767], bytes: () => u8(Int16Array.from([-32768, 32767])) },
  INT32: {
    data: [-2147483648, 2147483647],
    bytes: () => u8(Int32Array.from([-2147483648, 2147483647])),
  },
  INT64: {
    data: [-9223372036854775808n, 9223372036854775807n, -9007199254740993n],
    bytes: () => u8(BigInt64Array.from([-(2n ** 63n), 2n ** 63n - 1n, -(2n ** 53n) - 1n])),
  },
  FP16: {
    data: [1, -2, 0.5, 65504],
    bytes: () => u8(Uint16Array.from([0x3c00, 0xc000, 0x3800, 0x7bff])),
  },
  FP32: {
    data: [1.5, -0.25, 3.4028234663852886e38],
    bytes: () => u8(Float32Array.from([1.5, -0.25, 3.4028234663852886e38])),
  },
  FP64: { data: [0.1, 1e300, -5e-324], bytes: () => u8(Float64Array.from([0.1, 1e300, -5e-324])) },
  BYTES: { data: ['hello', 'wörld ✓', ''], bytes: () => lengthPrefixed(['hello', 'wörld ✓', '']) },
};

function u8(array: ArrayBufferView): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

const modelFor = (datatype: Datatype) => `id-${datatype.toLowerCase()}`;

describe('Open Inference Protocol over HTTP (local stack)', () => {
  let local: LocalEnv;
  let scopedKey: string;
  beforeAll(async () => {
    local = await startLocal({
      MAAS_MAX_BODY_BYTES: String(MAX_BODY),
      MAAS_KEY_CACHE_TTL_MS: String(KEY_TTL_MS),
    });
    const push = (name: string, bytes: Uint8Array) =>
      pushModel(local.deps, { name, bytes, createdBy: 'test' });
    await push('vad', sileroBytes());
    await push('demo', addSubModel());
    for (const datatype of DATATYPE_NAMES) await push(modelFor(datatype), identityModel(datatype));
    scopedKey = (
      await createKey(local.deps, { name: 'only-demo', models: ['demo'], createdBy: 'test' })
    ).token;
  }, 60_000);
  afterAll(() => local.stop());

  const post = (path: string, body: unknown, headers?: Record<string, string>) =>
    request(local, 'POST', path, { body, ...(headers === undefined ? {} : { headers }) });
  const get = (path: string) => request(local, 'GET', path);

  describe('Silero VAD v5', () => {
    it('returns exactly what raw onnxruntime-node returns for the same inputs', async () => {
      // Prepare: a 512-sample chunk of a chirp, a zero state, 16 kHz
      const audio = Float32Array.from({ length: 512 }, (_, i) => 0.5 * Math.sin((i * i) / 900));
      const state = new Float32Array(2 * 128);
      const raw = await ort.InferenceSession.create(sileroBytes());
      const expected = await raw.run({
        input: new ort.Tensor('float32', audio, [1, 512]),
        state: new ort.Tensor('float32', state, [2, 1, 128]),
        sr: new ort.Tensor('int64', BigInt64Array.from([16000n]), []),
      });
      // Act
      const res = await post('/v2/models/vad/infer', {
        id: 'chunk-1',
        inputs: [
          { name: 'input', datatype: 'FP32', shape: [1, 512], data: [...audio] },
          { name: 'state', datatype: 'FP32', shape: [2, 1, 128], data: [...state] },
          { name: 'sr', datatype: 'INT64', shape: [], data: [16000] },
        ],
      });
      // Assess
      expect(res.status).toBe(200);
      const body = res.body as {
        model_version: string;
        id: string;
        outputs: { name: string; shape: number[]; data: number[] }[];
      };
      expect(body).toMatchObject({ model_name: 'vad', model_version: '1', id: 'chunk-1' });
      for (const output of body.outputs) {
        const want = expected[output.name]!;
        expect(output.shape).toEqual(want.dims);
        const got = Float32Array.from(output.data);
        const diff = Math.max(...got.map((v, i) => Math.abs(v - (want.data as Float32Array)[i]!)));
        expect(diff).toBeLessThanOrEqual(1e-6);
      }
      await raw.release();
    });

    it('computes only the requested output and returns it as raw bytes when asked', async () => {
      const res = await post('/v2/models/vad/infer', {
        inputs: [
          { name: 'input', datatype: 'FP32', shape: [1, 512], data: new Array(512).fill(0) },
          { name: 'state', datatype: 'FP32', shape: [2, 1, 128], data: new Array(256).fill(0) },
          { name: 'sr', datatype: 'INT64', shape: [], data: [16000] },
        ],
        outputs: [{ name: 'output', parameters: { binary_data: true } }],
      });
      expect(res.status).toBe(200);
      const { json, chunks } = parseBinaryResponse(
        res.raw,
        res.headers.get('inference-header-content-length'),
      );
      expect(json.outputs.map((o) => o.name)).toEqual(['output']);
      expect(chunks.get('output')?.byteLength).toBe(4);
    });
  });

  describe.each(DATATYPE_NAMES)('datatype %s', (datatype) => {
    const sample = SAMPLES[datatype];
    const path = `/v2/models/${modelFor(datatype)}/infer`;
    const shape = [sample.data.length];

    it('round-trips through JSON exactly', async () => {
      const body = jsonText({ inputs: [{ name: 'x', datatype, shape, data: sample.data }] });
      const res = await post(path, body, { 'content-type': 'application/json' });
      expect(res.status).toBe(200);
      // Compared as text: 64-bit values must come back digit for digit, which JSON.parse cannot show.
      expect(res.raw.toString()).toContain(
        `"datatype":"${datatype}","shape":[${shape}],"data":${jsonText(sample.data)}`,
      );
    });

    it('round-trips through the binary extension byte for byte', async () => {
      const bytes = sample.bytes();
      const { body, headers } = binaryRequest(
        {
          inputs: [
            { name: 'x', datatype, shape, parameters: { binary_data_size: bytes.byteLength } },
          ],
          parameters: { binary_data_output: true },
        },
        [bytes],
      );
      const res = await post(path, body, headers);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/octet-stream');
      const { json, chunks } = parseBinaryResponse(
        res.raw,
        res.headers.get('inference-header-content-length'),
      );
      expect(json.outputs).toEqual([
        { name: 'y', datatype, shape, parameters: { binary_data_size: bytes.byteLength } },
      ]);
      expect(Buffer.compare(chunks.get('y')!, Buffer.from(bytes))).toBe(0);
    });
  });

  describe('requests', () => {
    it("takes binary tensors sent without a Content-Type, as Triton's HTTP client sends them", async () => {
      // 1.5 and -2 as FP32: bytes that are not UTF-8, which a text body would have replaced
      const bytes = u8(Float32Array.from([1.5, -2]));
      const { body, headers } = binaryRequest(
        {
          inputs: [
            { name: 'x', datatype: 'FP32', shape: [2], parameters: { binary_data_size: 8 } },
          ],
          parameters: { binary_data_output: true },
        },
        [bytes],
      );
      const { 'content-type': _, ...triton } = headers;
      const res = await post('/v2/models/id-fp32/infer', body, triton);
      expect(res.status).toBe(200);
      const { chunks } = parseBinaryResponse(
        res.raw,
        res.headers.get('inference-header-content-length'),
      );
      expect(Buffer.compare(chunks.get('y')!, Buffer.from(bytes))).toBe(0);
    });

    it('accepts nested data, echoes id and parameters', async () => {
      const res = await post('/v2/models/id-int32/infer', {
        id: 'r-7',
        parameters: { priority: 3, tag: 'x' },
        inputs: [
          {
            name: 'x',
            datatype: 'INT32',
            shape: [4],
            data: [
              [1, 2],
              [3, 4],
            ],
          },
        ],
      });
      expect(res.body).toEqual({
        model_name: 'id-int32',
        model_version: '1',
        id: 'r-7',
        parameters: { priority: 3, tag: 'x' },
        outputs: [{ name: 'y', datatype: 'INT32', shape: [4], data: [1, 2, 3, 4] }],
      });
    });

    it('rounds FP16 data to the nearest half, ties to even, in one step', async () => {
      const res = await post('/v2/models/id-fp16/infer', {
        inputs: [
          {
            name: 'x',
            datatype: 'FP16',
            shape: [3],
            data: [1.0004882812509095, 2049.000000001, 2049],
          },
        ],
      });
      expect(res.body).toMatchObject({
        outputs: [{ name: 'y', datatype: 'FP16', shape: [3], data: [1.0009765625, 2050, 2048] }],
      });
    });

    it('refuses JSON floats beyond their datatype, and takes those that round to its largest', async () => {
      const fp16 = await post('/v2/models/id-fp16/infer', {
        inputs: [{ name: 'x', datatype: 'FP16', shape: [2], data: [65504, 70000] }],
      });
      expect(fp16).toMatchObject({
        status: 400,
        body: {
          error: "input 'x': element 1 is 70000; expected a number in FP16's range -65504..65504",
        },
      });
      const fp32 = await post('/v2/models/id-fp32/infer', {
        inputs: [{ name: 'x', datatype: 'FP32', shape: [2], data: [3.4028235e38, -3.4028235e38] }],
      });
      expect(fp32).toMatchObject({
        status: 200,
        body: { outputs: [{ data: [3.4028234663852886e38, -3.4028234663852886e38] }] },
      });
    });

    it('serves an explicit version and says which version ran', async () => {
      const res = await post('/v2/models/demo/versions/1/infer', {
        inputs: [
          { name: 'a', datatype: 'FP32', shape: [1], data: [1] },
          { name: 'b', datatype: 'FP32', shape: [1], data: [2] },
        ],
        outputs: [{ name: 'difference' }],
      });
      expect(res.body).toEqual({
        model_name: 'demo',
        model_version: '1',
        outputs: [{ name: 'difference', datatype: 'FP32', shape: [1], data: [-1] }],
      });
    });
  });

  describe('metadata, health and repository routes', () => {
    it('GET /v2 lists the supported extensions', async () => {
      const res = await get('/v2');
      expect(res).toMatchObject({
        status: 200,
        body: { name: 'maas', extensions: ['binary_tensor_data', 'model_repository'] },
      });
    });

    it.each([
      '/v2/health/live',
      '/v2/health/ready',
      '/v2/models/demo/ready',
      '/v2/models/demo/versions/1/ready',
    ])('GET %s answers 200', async (path) => {
      expect((await get(path)).status).toBe(200);
    });

    it('GET /v2/models/{name} describes inputs and outputs with -1 for dynamic dims', async () => {
      const res = await get('/v2/models/vad');
      expect(res.body).toEqual({
        name: 'vad',
        versions: ['1'],
        platform: 'onnxruntime_onnx',
        inputs: [
          { name: 'input', datatype: 'FP32', shape: [-1, -1] },
          { name: 'state', datatype: 'FP32', shape: [2, -1, 128] },
          { name: 'sr', datatype: 'INT64', shape: [] },
        ],
        outputs: [
          { name: 'output', datatype: 'FP32', shape: [-1, 1] },
          { name: 'stateN', datatype: 'FP32', shape: [-1, -1, -1] },
        ],
      });
      expect((await get('/v2/models/vad/versions/1')).body).toEqual(res.body);
    });

    it('POST /v2/repository/index lists every model version with its state', async () => {
      const res = await post('/v2/repository/index', {});
      expect(res.status).toBe(200);
      const index = res.body as { name: string; version: string; state: string }[];
      expect(index).toHaveLength(2 + DATATYPE_NAMES.length);
      expect(index).toContainEqual({ name: 'vad', version: '1', state: 'READY', reason: '' });
      const empty = await request(local, 'POST', '/v2/repository/index');
      expect(empty.body).toEqual(index);
    });
  });

  describe('errors in the protocol shape', () => {
    const demoInputs = [
      { name: 'a', datatype: 'FP32', shape: [2], data: [1, 2] },
      { name: 'b', datatype: 'FP32', shape: [2], data: [3, 4] },
    ];
    it.each([
      ['a malformed body', '{"inputs": [', 400, /malformed JSON body/],
      [
        'a wrong datatype',
        { inputs: [{ ...demoInputs[0], datatype: 'FP64' }, demoInputs[1]] },
        400,
        /input 'a': datatype FP64 does not match the model's FP32/,
      ],
      [
        'an element-count mismatch',
        { inputs: [{ ...demoInputs[0], data: [1] }, demoInputs[1]] },
        400,
        /input 'a': data has 1 elements but shape \[2\] needs 2/,
      ],
      [
        'an unknown input',
        { inputs: [...demoInputs, { name: 'c', datatype: 'FP32', shape: [1], data: [1] }] },
        400,
        /unknown input 'c'/,
      ],
      [
        'an unknown output',
        { inputs: demoInputs, outputs: [{ name: 'product' }] },
        400,
        /unknown output 'product'/,
      ],
      [
        'operands the model cannot combine',
        { inputs: [demoInputs[0], { ...demoInputs[1], shape: [3], data: [1, 2, 3] }] },
        400,
        /model 'demo' rejected the input/,
      ],
      [
        "a float beyond its datatype's range, as integers are",
        { inputs: [{ ...demoInputs[0], data: [1, 1e39] }, demoInputs[1]] },
        400,
        /^input 'a': element 1 is 1e\+39; expected a number in FP32's range -3\.4028234663852886e\+38\.\.3\.4028234663852886e\+38$/,
      ],
      [
        'a shape over the limit',
        { inputs: [{ ...demoInputs[0], shape: [2 ** 40], data: [1] }, demoInputs[1]] },
        413,
        /declares more than the 262144 elements/,
      ],
    ])('answers %s with %i and a message that names it', async (_, body, status, message) => {
      const res = await post('/v2/models/demo/infer', body);
      expect(res.status).toBe(status);
      expect(res.body).toEqual({ error: expect.stringMatching(message) });
    });

    it.each([
      ['POST', '/v2/models/nope/infer', 404, /model 'nope' not found/],
      ['POST', '/v2/models/demo/versions/9/infer', 404, /model 'demo' has no version 9/],
      ['GET', '/v2/models/nope', 404, /model 'nope' not found/],
      ['GET', '/v2/models/nope/ready', 404, /model 'nope' not found/],
      ['GET', '/v2/models/Bad..Name', 400, /invalid model name "Bad\.\.Name"/],
      ['GET', '/v2/models/demo/versions/latest', 400, /invalid model version "latest"/],
      ['GET', '/v2/nothing-here', 404, /no route for GET "\/v2\/nothing-here"/],
      ['GET', '/v2/models/demo/infer', 404, /no route for GET/],
    ])('answers %s %s with %i', async (method, path, status, message) => {
      const res = await request(
        local,
        method,
        path,
        method === 'POST' ? { body: { inputs: demoInputs } } : {},
      );
      expect(res.status).toBe(status);
      expect(res.body).toEqual({ error: expect.stringMatching(message) });
    });

    it('refuses a body over the configured limit with 413 before reading it', async () => {
      const res = await post('/v2/models/demo/infer', 'x'.repeat(MAX_BODY + 1), {
        'content-type': 'application/json',
      });
      expect(res.status).toBe(413);
      expect(res.body).toEqual({
        error: `request body of ${MAX_BODY + 1} bytes is over the ${MAX_BODY}-byte limit`,
      });
    });

    it('refuses requests without a valid key with 401, and a key scoped elsewhere with 403', async () => {
      for (const auth of [null, 'Bearer nonsense', `Bearer ${local.apiKey}x`]) {
        const res = await request(local, 'GET', '/v2/health/ready', { auth });
        expect(res.status).toBe(401);
        expect(res.body).toEqual({
          error: 'missing or invalid API key: send Authorization: Bearer <key>',
        });
      }
      const scoped = { url: local.url, apiKey: scopedKey };
      expect(
        (await request(scoped, 'POST', '/v2/models/demo/infer', { body: { inputs: demoInputs } }))
          .status,
      ).toBe(200);
      const other = await request(scoped, 'GET', '/v2/models/vad');
      expect(other).toMatchObject({
        status: 403,
        body: { error: "API key 'only-demo' is not allowed to use model 'vad'" },
      });
      const index = await request(scoped, 'POST', '/v2/repository/index', { body: {} });
      expect((index.body as { name: string }[]).map((e) => e.name)).toEqual(['demo']);
    });

    // A key outside its scope learns nothing about its body, and costs no parse of it.
    it('refuses an infer body for a model out of scope with 403 before reading it', async () => {
      const scoped = { url: local.url, apiKey: scopedKey };
      const forbidden = await request(scoped, 'POST', '/v2/models/vad/infer', { body: 'garbage' });
      expect(forbidden).toMatchObject({
        status: 403,
        body: { error: "API key 'only-demo' is not allowed to use model 'vad'" },
      });
    });

    it('refuses a revoked key once the key cache TTL has passed', async () => {
      const { token } = await createKey(local.deps, { name: 'short-lived', createdBy: 'test' });
      const key = { url: local.url, apiKey: token };
      expect((await request(key, 'GET', '/v2/health/live')).status).toBe(200);
      await revokeKey(local.deps, { name: 'short-lived', revokedBy: 'test' });
      await new Promise((resolve) => setTimeout(resolve, KEY_TTL_MS + 50));
      expect((await request(key, 'GET', '/v2/health/live')).status).toBe(401);
    });

    it('answers 503 for a model whose stored bytes no longer match their sha256, and never serves them', async () => {
      const { version } = await pushModel(local.deps, {
        name: 'tampered',
        bytes: identityModel('FP32'),
        createdBy: 'test',
      });
      await local.deps.s3.send(
        new PutObjectCommand({
          Bucket: local.deps.modelBucket,
          Key: version.objectKey,
          Body: identityModel('FP64'),
        }),
      );
      const res = await post('/v2/models/tampered/infer', {
        inputs: [{ name: 'x', datatype: 'FP32', shape: [1], data: [1] }],
      });
      expect(res.status).toBe(503);
      expect(res.body).toEqual({
        error: expect.stringMatching(/do not match their recorded sha256/),
      });
      expect((await get('/v2/models/tampered/ready')).status).toBe(503);
    });
  });

  describe('the Lambda handler called with API Gateway events', () => {
    it('answers exactly as it does over HTTP', async () => {
      // Prepare: the event shape API Gateway's REST proxy integration sends
      const { handler } = await import('../../functions/inference.js');
      const event = loadFixture<APIGatewayProxyEvent>('events/apigw-rest', 'infer');
      // Act
      const direct = (await handler(event, context)) as APIGatewayProxyResult;
      const http = await post('/v2/models/demo/infer', JSON.parse(event.body!));
      // Assess
      expect(direct.statusCode).toBe(http.status);
      expect(JSON.parse(direct.body)).toEqual(http.body);
      expect(JSON.parse(direct.body).outputs[0].data).toEqual([11, 22, 33]);
    });

    it('parses a JSON body delivered base64-encoded, as API Gateway delivers every body', async () => {
      const { handler } = await import('../../functions/inference.js');
      const text = loadFixture<APIGatewayProxyEvent>('events/apigw-rest', 'infer');
      const answer = async (body: string) => {
        const event = {
          ...text,
          body: Buffer.from(body).toString('base64'),
          isBase64Encoded: true,
        };
        return (await handler(event, context)) as APIGatewayProxyResult;
      };
      const expected = (await handler(text, context)) as APIGatewayProxyResult;
      expect(await answer(text.body!)).toEqual(expected);
      // Text beyond ASCII is parsed from its bytes instead, to the same result.
      const request = JSON.parse(text.body!);
      const accented = await answer(JSON.stringify({ ...request, id: 'écho ✓' }));
      expect(JSON.parse(accented.body)).toEqual({ ...JSON.parse(expected.body), id: 'écho ✓' });
      const malformed = await answer('{"inputs": [');
      expect(malformed.statusCode).toBe(400);
    });

    it('echoes request parameters as sent, whether or not the body holds INT64 data', async () => {
      const { handler } = await import('../../functions/inference.js');
      const parameters = '{"seed":9007199254740993,"huge":1e400,"zero":-0,"tag":"x"}';
      for (const datatype of ['INT64', 'FP32']) {
        const event = loadFixture<APIGatewayProxyEvent>('events/apigw-rest', 'infer');
        const name = modelFor(datatype as Datatype);
        event.path = `/v2/models/${name}/infer`;
        event.pathParameters = { name };
        event.body = `{"parameters":${parameters},"inputs":[{"name":"x","datatype":"${datatype}","shape":[1],"data":[7]}]}`;
        const result = (await handler(event, context)) as APIGatewayProxyResult;
        expect(result.statusCode).toBe(200);
        expect(result.body).toContain(`"parameters":${parameters},`);
      }
    });

    it('decodes a base64 binary body as API Gateway delivers it', async () => {
      const { handler } = await import('../../functions/inference.js');
      const bytes = Float32Array.from([1, 2]);
      const { body, headers } = binaryRequest(
        {
          inputs: [
            { name: 'a', datatype: 'FP32', shape: [2], parameters: { binary_data_size: 8 } },
            { name: 'b', datatype: 'FP32', shape: [2], parameters: { binary_data_size: 8 } },
          ],
          outputs: [{ name: 'sum', parameters: { binary_data: true } }],
        },
        [u8(bytes), u8(bytes)],
      );
      const event = loadFixture<APIGatewayProxyEvent>('events/apigw-rest', 'infer');
      event.headers = {
        ...event.headers,
        ...headers,
        'Inference-Header-Content-Length': headers['inference-header-content-length']!,
      };
      event.body = body.toString('base64');
      event.isBase64Encoded = true;
      const result = (await handler(event, context)) as APIGatewayProxyResult;
      expect(result).toMatchObject({ statusCode: 200, isBase64Encoded: true });
      const raw = Buffer.from(result.body, 'base64');
      const { chunks } = parseBinaryResponse(
        raw,
        result.headers!['inference-header-content-length'] as string,
      );
      expect(new Float32Array(new Uint8Array(chunks.get('sum')!).buffer)).toEqual(
        Float32Array.from([2, 4]),
      );
    });
  });
});
