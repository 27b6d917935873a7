import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Principal } from '../../core/auth/api-keys.js';
import type { LoadAllocator } from '../../core/inference/allocator.js';
import { infer } from '../../core/inference/endpoints.js';
import type { Runner } from '../../core/inference/runtime.js';
import { createServing } from '../../core/inference/serving.js';
import type { CacheEvent } from '../../core/inference/sessions.js';
import { pushModel } from '../../core/models/push.js';
import { parseInferBody } from '../../core/oip/request.js';
import { addSubModel } from '../../tools/onnx-models.js';
import { sileroBytes } from '../helpers/models.js';
import { startStore, type TestStore } from '../helpers/start-store.js';

const anyone: Principal = { keyName: 'test', models: ['*'] };
const body = (request: object) => parseInferBody(Buffer.from(JSON.stringify(request)), undefined);
const vadRequest = body({
  inputs: [
    { name: 'input', datatype: 'FP32', shape: [1, 512], data: new Array(512).fill(0.1) },
    { name: 'state', datatype: 'FP32', shape: [2, 1, 128], data: new Array(256).fill(0) },
    { name: 'sr', datatype: 'INT64', shape: [], data: [16000] },
  ],
});

/** Counts every call each SDK client sends, to see what the hot path costs. */
function countCalls(store: TestStore) {
  const counts = { s3: 0, ddb: 0 };
  for (const name of ['s3', 'ddb'] as const) {
    const client = store.clients[name] as { send: (...args: unknown[]) => Promise<unknown> };
    const send = client.send.bind(client);
    client.send = (...args: unknown[]) => {
      counts[name]++;
      return send(...args);
    };
  }
  return counts;
}

describe('serving path (real onnxruntime, local emulators)', () => {
  let store: TestStore;
  beforeAll(async () => {
    store = await startStore();
    await pushModel(store.deps, { name: 'vad', bytes: sileroBytes(), createdBy: 'test' });
    await pushModel(store.deps, { name: 'demo', bytes: addSubModel(), createdBy: 'test' });
  });
  afterAll(() => store.stop());

  it('loads a cold model once for 50 concurrent first requests', async () => {
    // Prepare
    const events: CacheEvent[] = [];
    const serving = createServing(store.config, store.clients, {
      onCacheEvent: (e) => events.push(e),
    });
    // Act
    const results = await Promise.all(
      Array.from({ length: 50 }, () => infer(serving, anyone, { name: 'vad' }, () => vadRequest)),
    );
    // Assess
    expect(results.every((r) => r.outputs[0]?.name === 'output')).toBe(true);
    expect(events.filter((e) => e.type === 'loaded')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'miss')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'hit')).toHaveLength(49);
  });

  it("reads a model's bytes in the allocator's fetching phase and opens it in its opening phase", async () => {
    // Prepare: an allocator that records what runs in each phase
    const counts = countCalls(store);
    const phases: string[] = [];
    const allocator: LoadAllocator = {
      async fetching(work) {
        const s3Before = counts.s3;
        const result = await work();
        phases.push(`fetching: ${counts.s3 - s3Before} S3 call(s)`);
        return result;
      },
      async opening(work) {
        const result = await work();
        const { signature } = result as Runner;
        phases.push(`opening: ${signature.inputs.map((i) => i.name).join(',')}`);
        return result;
      },
    };
    const serving = createServing(store.config, store.clients, { allocator });
    // Act
    const result = await infer(serving, anyone, { name: 'vad' }, () => vadRequest);
    // Assess
    expect(result.outputs[0]?.name).toBe('output');
    expect(phases).toEqual(['fetching: 1 S3 call(s)', 'opening: input,state,sr']);
  });

  it('makes no S3 or DynamoDB call per request once a model is warm', async () => {
    const calls = countCalls(store);
    const serving = createServing(store.config, store.clients);
    await infer(serving, anyone, { name: 'vad' }, () => vadRequest); // cold: reads the registry and the bytes
    expect(calls.s3).toBeGreaterThan(0);
    const before = { ...calls };
    for (let i = 0; i < 20; i++) await infer(serving, anyone, { name: 'vad' }, () => vadRequest);
    expect(calls).toEqual(before);
  });
});
