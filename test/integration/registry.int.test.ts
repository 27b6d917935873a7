import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readModelBytes } from '../../core/models/artifacts.js';
import { pushModel } from '../../core/models/push.js';
import { getVersion, listModels, listVersions } from '../../core/models/registry.js';
import { InvalidInputError, InvalidModelError } from '../../core/oip/errors.js';
import { identityModel, largeModel } from '../../tools/onnx-models.js';
import { sileroBytes } from '../helpers/models.js';
import { startStore, type TestStore } from '../helpers/start-store.js';

describe('model registry (local emulators)', () => {
  let store: TestStore;
  beforeAll(async () => {
    store = await startStore();
  });
  afterAll(() => store.stop());

  const objects = async () => {
    const out = await store.clients.s3.send(
      new ListObjectsV2Command({ Bucket: store.deps.modelBucket }),
    );
    return (out.Contents ?? []).map((o) => o.Key);
  };
  const items = async () => {
    const out = await store.clients.ddb.send(
      new ScanCommand({ TableName: store.deps.modelsTable }),
    );
    return out.Items ?? [];
  };

  it('pushes Silero VAD and reads it back through list and describe', async () => {
    // Prepare
    const bytes = sileroBytes();
    // Act
    const pushed = await pushModel(store.deps, {
      name: 'silero-vad',
      bytes,
      createdBy: 'tester',
      description: 'Silero VAD v5',
    });
    const models = await listModels(store.deps);
    const versions = await listVersions(store.deps, 'silero-vad');
    // Assess
    expect(pushed.created).toBe(true);
    expect(models.map((m) => m.name)).toContain('silero-vad');
    expect(versions).toEqual([pushed.version]);
    expect(pushed.version).toMatchObject({
      version: 1,
      size: bytes.byteLength,
      createdBy: 'tester',
      description: 'Silero VAD v5',
      signature: {
        inputs: [
          { name: 'input', datatype: 'FP32', shape: [-1, -1] },
          { name: 'state', datatype: 'FP32', shape: [2, -1, 128] },
          { name: 'sr', datatype: 'INT64', shape: [] },
        ],
        outputs: [
          { name: 'output', datatype: 'FP32', shape: [-1, 1] },
          { name: 'stateN', datatype: 'FP32', shape: [-1, -1, -1] },
        ],
      },
    });
    const stored = await readModelBytes(
      store.deps,
      pushed.version.objectKey,
      pushed.version.size,
      pushed.version.sha256,
    );
    expect(stored.equals(bytes)).toBe(true);
  });

  it('gives 10 concurrent pushes of different bytes 10 distinct, readable versions', async () => {
    const models = Array.from({ length: 10 }, (_, i) => largeModel(1024, i + 1));
    const results = await Promise.all(
      models.map((bytes) =>
        pushModel(store.deps, { name: 'concurrent', bytes, createdBy: 'tester' }),
      ),
    );
    const numbers = results.map((r) => r.version.version);
    expect(new Set(numbers).size).toBe(10);
    for (const [i, result] of results.entries()) {
      const record = await getVersion(store.deps, 'concurrent', result.version.version);
      const stored = await readModelBytes(store.deps, record.objectKey, record.size, record.sha256);
      expect(stored.equals(Buffer.from(models[i]!))).toBe(true);
    }
  });

  it('returns the existing version when identical bytes are pushed again, even concurrently', async () => {
    const bytes = identityModel('INT32');
    const first = await pushModel(store.deps, { name: 'same', bytes, createdBy: 'tester' });
    const again = await Promise.all(
      [1, 2, 3].map(() =>
        pushModel(store.deps, { name: 'same', bytes, createdBy: 'someone-else' }),
      ),
    );
    expect(again.map((r) => [r.created, r.version])).toEqual(
      again.map(() => [false, first.version]),
    );
    expect(await listVersions(store.deps, 'same')).toHaveLength(1);
  });

  it('refuses bytes that are not an ONNX model and stores nothing', async () => {
    const before = { objects: await objects(), items: await items() };
    const push = pushModel(store.deps, {
      name: 'not-a-model',
      bytes: Buffer.from('this is plain text, not a protobuf'),
      createdBy: 'tester',
    });
    await expect(push).rejects.toThrow(InvalidModelError);
    await expect(push).rejects.toThrow(/not a loadable ONNX model/);
    expect(await objects()).toEqual(before.objects);
    expect(await items()).toEqual(before.items);
  });

  it.each(['../etc', 'Upper', 'a/b', '', 'x'.repeat(64), 'tab\tname', 'ünïcode'])(
    'refuses the model name %j before storing anything',
    async (name) => {
      await expect(
        pushModel(store.deps, { name, bytes: identityModel('FP32'), createdBy: 't' }),
      ).rejects.toThrow(InvalidInputError);
    },
  );

  it('uploads a model of at least 100 MB in parts and reads it back byte-identical', async () => {
    const bytes = largeModel(100 * 1024 * 1024, 42);
    const progress: number[] = [];
    const pushed = await pushModel(store.deps, {
      name: 'large',
      bytes,
      createdBy: 'tester',
      onProgress: (p) => progress.push(p.done),
    });
    expect(pushed.version.size).toBeGreaterThanOrEqual(100 * 1024 * 1024);
    // 13 parts of 8 MiB, each reported: the CLI's progress bar moves part by part.
    expect(progress.length).toBeGreaterThan(10);
    expect(progress.at(-1)).toBe(bytes.byteLength);
    const stored = await readModelBytes(
      store.deps,
      pushed.version.objectKey,
      pushed.version.size,
      pushed.version.sha256,
    );
    expect(stored.equals(Buffer.from(bytes))).toBe(true);
  }, 60_000);
});
