import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { pushModel } from '../../core/models/push.js';
import { addSubModel } from '../../tools/onnx-models.js';
import { maas } from '../helpers/cli.js';
import { type HttpResult, type LocalEnv, request, startLocal } from '../helpers/start-local.js';

// Generated bad input over HTTP and through the CLI: every case gets a 4xx in the protocol's error
// shape with nothing internal in it, the server never falls over, and the next good request works.

const good = {
  inputs: [
    { name: 'a', datatype: 'FP32', shape: [2], data: [1, 2] },
    { name: 'b', datatype: 'FP32', shape: [2], data: [3, 4] },
  ],
};

function expectCleanRefusal(res: HttpResult, statuses: readonly number[]): void {
  expect(statuses).toContain(res.status);
  expect(res.headers.get('content-type')).toBe('application/json');
  const text = res.raw.toString('utf8');
  expect(text).toMatch(/^\{"error":".+"\}$/s);
  // No stack traces, source paths or dependency internals reach a client.
  expect(text).not.toMatch(
    /\s+at\s+\S+\s+\(|node_modules|\.ts:\d+|\.js:\d+|\/(home|work|tmp|var|usr)\//,
  );
}

/** Mostly-valid requests with one thing wrong, and arbitrary JSON. */
const badBodies = fc.oneof(
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 200 }),
  fc
    .record({
      name: fc.constantFrom('a', 'b', 'c', '', 'a'.repeat(300)),
      datatype: fc.constantFrom('FP32', 'FP64', 'INT8', 'BYTES', 'fp32', 'FLOAT'),
      shape: fc.array(fc.oneof(fc.integer({ min: -2, max: 4 }), fc.constant(2 ** 40)), {
        maxLength: 3,
      }),
      data: fc.array(fc.oneof(fc.double(), fc.string({ maxLength: 3 }), fc.constant(null)), {
        maxLength: 5,
      }),
    })
    .map((input) => JSON.stringify({ inputs: [input, input] })),
);

/** A request whose path goes out byte for byte as given (node:http does not normalise it). */
function rawRequest(method: string, path: string, body?: string): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const { port } = new URL(local.url);
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        headers: { authorization: `Bearer ${local.apiKey}`, 'content-type': 'application/json' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const raw = Buffer.concat(chunks);
          const headers = new Headers(
            Object.entries(res.headers).map(([k, v]) => [k, String(v)] as [string, string]),
          );
          resolve({
            status: res.statusCode ?? 0,
            headers,
            raw,
            body: JSON.parse(raw.toString() || 'null'),
          });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

let local: LocalEnv;

describe('generated bad input (local stack)', () => {
  let cases = 0;
  beforeAll(async () => {
    local = await startLocal({ MAAS_MAX_BODY_BYTES: '65536' });
    await pushModel(local.deps, { name: 'demo', bytes: addSubModel(), createdBy: 'test' });
    process.env.MAAS_HOME = local.home;
  });
  afterAll(async () => {
    console.info(`generated bad requests sent over HTTP and the CLI: ${cases}`);
    await local.stop();
  });

  it('answers malformed inference bodies with a 4xx error body, then serves a good request', async () => {
    await fc.assert(
      fc.asyncProperty(badBodies, async (body) => {
        cases++;
        const res = await request(local, 'POST', '/v2/models/demo/infer', {
          body,
          headers: { 'content-type': 'application/json' },
        });
        expectCleanRefusal(res, [400, 413]);
      }),
      { numRuns: 300 },
    );
    expect((await request(local, 'POST', '/v2/models/demo/infer', { body: good })).status).toBe(
      200,
    );
  }, 120_000);

  it('refuses model names with traversal, unicode, control characters or excess length, on every route', async () => {
    const names = fc.oneof(
      fc.constantFrom(
        '..',
        '../demo',
        '..%2f..%2fetc',
        '%00',
        'DEMO',
        'demo\u0000',
        'dé',
        'a'.repeat(64),
        '.hidden',
        '-x',
      ),
      fc.string({ minLength: 1, maxLength: 80, unit: 'binary' }),
    );
    await fc.assert(
      fc.asyncProperty(
        names,
        fc.constantFrom('', '/ready', '/versions/1', '/infer'),
        async (name, suffix) => {
          fc.pre(name !== 'demo');
          cases++;
          const method = suffix === '/infer' ? 'POST' : 'GET';
          // Dots encoded too, and sent raw: fetch would resolve '..' before the server ever saw it.
          const path = `/v2/models/${encodeURIComponent(name).replace(/\./g, '%2E')}${suffix}`;
          expectCleanRefusal(
            await rawRequest(method, path, method === 'POST' ? JSON.stringify(good) : undefined),
            [400, 404],
          );
        },
      ),
      { numRuns: 200 },
    );
    expect((await request(local, 'GET', '/v2/models/demo')).status).toBe(200);
  }, 120_000);

  it('refuses the same names in the CLI with a one-line reason', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 80, unit: 'binary' }), async (name) => {
        fc.pre(!/^[a-z0-9][a-z0-9._-]{0,62}$/.test(name) && !name.startsWith('-'));
        cases++;
        const result = await maas('models', 'describe', name, '--local');
        expect(result.code).toBe(2); // a caller's mistake, refused before any store is asked
        expect(result.stderr).toMatch(/^maas: invalid model name .*\n$/s);
        expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
      }),
      { numRuns: 100 },
    );
  }, 120_000);

  it('refuses oversized headers before any handler runs', async () => {
    cases++;
    const res = await fetch(`${local.url}/v2/health/live`, {
      headers: { authorization: `Bearer ${local.apiKey}`, 'x-pad': 'x'.repeat(20_000) },
    });
    expect(res.status).toBe(431);
    expect((await request(local, 'GET', '/v2/health/live')).status).toBe(200);
  });
});
