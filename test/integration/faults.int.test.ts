import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AUTH_UNAVAILABLE_MESSAGE, createKey } from '../../core/auth/api-keys.js';
import { createClients } from '../../core/clients.js';
import { loadConfig } from '../../core/config.js';
import { readModelBytes } from '../../core/models/artifacts.js';
import { collectGarbage } from '../../core/models/gc.js';
import { type ModelStoreDeps, pushModel } from '../../core/models/push.js';
import { listVersions } from '../../core/models/registry.js';
import { promote, retireVersion } from '../../core/models/routing.js';
import { LOCAL_RESOURCES, localEnv } from '../../local/seed.js';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { largeModel } from '../../tools/onnx-models.js';
import { losingResponse, updates, writesVersion } from '../helpers/lost-response.js';
import { request } from '../helpers/start-local.js';
import { startStore, type TestStore } from '../helpers/start-store.js';

/** A document client whose next write of a version record fails, as if the process died right there. */
function failingVersionWrite(ddb: DynamoDBDocumentClient): DynamoDBDocumentClient {
  let armed = true;
  return new Proxy(ddb, {
    get(target, property, receiver) {
      if (property !== 'send') return Reflect.get(target, property, receiver);
      return (command: { constructor: { name: string }; input: { Item?: { sk?: string } } }) => {
        if (
          armed &&
          command.constructor.name === 'PutCommand' &&
          command.input.Item?.sk?.startsWith('VERSION#')
        ) {
          armed = false;
          return Promise.reject(new Error('process stopped before the record was written'));
        }
        return target.send(command as never);
      };
    },
  });
}

describe('pushes that fail half-way, and maas gc', () => {
  let store: TestStore;
  beforeAll(async () => {
    store = await startStore();
  });
  afterAll(() => store.stop());

  const objects = async () =>
    (
      (await store.clients.s3.send(new ListObjectsV2Command({ Bucket: store.deps.modelBucket })))
        .Contents ?? []
    ).map((o) => o.Key);
  const gc = (apply: boolean, extra: Partial<Parameters<typeof collectGarbage>[1]> = {}) =>
    collectGarbage(store.deps, { retiredRetentionDays: 30, graceMinutes: 0, apply, ...extra });

  it('leaves no visible version when the record write fails; gc finds the orphan bytes; a later push succeeds', async () => {
    // Prepare + Act: bytes stored, then the record write fails
    const bytes = largeModel(1024, 1);
    const broken: ModelStoreDeps = { ...store.deps, ddb: failingVersionWrite(store.deps.ddb) };
    await expect(pushModel(broken, { name: 'half', bytes, createdBy: 'test' })).rejects.toThrow(
      /before the record/,
    );
    // Assess
    expect(await listVersions(store.deps, 'half')).toEqual([]);
    const [orphanKey] = (await objects()).filter((k) => k?.startsWith('models/half/'));
    expect((await gc(false, { graceMinutes: 60 })).candidates).toEqual([]); // too young: a push may be in flight
    const dryRun = await gc(false);
    expect(dryRun.candidates).toEqual([
      expect.objectContaining({ key: orphanKey, reason: 'orphan' }),
    ]);
    expect(await objects()).toContain(orphanKey); // a dry run removes nothing
    const applied = await gc(true);
    expect(applied).toMatchObject({ deleted: 1, freedBytes: bytes.byteLength });
    expect(await objects()).not.toContain(orphanKey);

    const retried = await pushModel(store.deps, { name: 'half', bytes, createdBy: 'test' });
    expect(retried).toMatchObject({ created: true, version: { version: 1 } });
    const stored = await readModelBytes(
      store.deps,
      retried.version.objectKey,
      retried.version.size,
      retried.version.sha256,
    );
    expect(stored.equals(Buffer.from(bytes))).toBe(true);
  });

  it('keeps retired bytes through the retention period, then lets gc remove them', async () => {
    const [v1, v2] = [largeModel(256, 11), largeModel(256, 12)];
    await pushModel(store.deps, { name: 'aging', bytes: v1, createdBy: 'test' });
    await pushModel(store.deps, { name: 'aging', bytes: v2, createdBy: 'test' });
    await promote(store.deps, { name: 'aging', version: 2, by: 'test' });
    await retireVersion(store.deps, { name: 'aging', version: 1, by: 'test' });
    const within = await gc(true);
    expect(within.candidates.filter((c) => c.key.startsWith('models/aging/'))).toEqual([]);
    expect(within.kept).toContainEqual(
      expect.objectContaining({ reason: 'retired (versions 1); within retention' }),
    );
    const later = new Date(Date.now() + 31 * 24 * 3600 * 1000);
    const after = await gc(true, { now: later });
    expect(after.candidates.filter((c) => c.key.startsWith('models/aging/'))).toEqual([
      expect.objectContaining({ reason: 'retired', versions: [1] }),
    ]);
    expect((await objects()).filter((k) => k?.startsWith('models/aging/'))).toHaveLength(1);
  });

  it('makes bytes identical to a retired version a new version that serves', async () => {
    const bytes = largeModel(256, 21);
    await pushModel(store.deps, { name: 'reborn', bytes, createdBy: 'test' });
    await pushModel(store.deps, { name: 'reborn', bytes: largeModel(256, 22), createdBy: 'test' });
    await retireVersion(store.deps, { name: 'reborn', version: 1, by: 'test' });
    const again = await pushModel(store.deps, { name: 'reborn', bytes, createdBy: 'test' });
    expect(again).toMatchObject({ created: true, version: { version: 3 } });
    expect(
      (await pushModel(store.deps, { name: 'reborn', bytes, createdBy: 'test' })).created,
    ).toBe(false);
  });

  it('numbers a push finished after a later push above that later version', async () => {
    // Prepare: alice's push claims version 1 for its bytes and stops; bob then pushes version 2
    const [x, y] = [largeModel(256, 31), largeModel(256, 32)];
    const broken: ModelStoreDeps = { ...store.deps, ddb: failingVersionWrite(store.deps.ddb) };
    await expect(pushModel(broken, { name: 'late', bytes: x, createdBy: 'alice' })).rejects.toThrow(
      /before the record/,
    );
    await pushModel(store.deps, { name: 'late', bytes: y, createdBy: 'bob' });
    // Act
    const retried = await pushModel(store.deps, { name: 'late', bytes: x, createdBy: 'alice' });
    // Assess: the newest push has the highest number, so it is what unversioned requests reach
    expect(retried).toMatchObject({ created: true, version: { version: 3, createdBy: 'alice' } });
    const versions = await listVersions(store.deps, 'late', { consistent: true });
    expect(versions.map((v) => [v.version, v.createdBy])).toEqual([
      [2, 'bob'],
      [3, 'alice'],
    ]);
    expect(
      await pushModel(store.deps, { name: 'late', bytes: x, createdBy: 'alice' }),
    ).toMatchObject({ created: false, version: { version: 3 } });
  });
});

describe('writes the store applied but whose response was lost, retried by the SDK', () => {
  let store: TestStore;
  beforeAll(async () => {
    store = await startStore();
  });
  afterAll(() => store.stop());

  it('reports a push whose version record write was retried as the one that created it', async () => {
    // Prepare: the retried write of the version record is refused, since the first one landed
    const losing = losingResponse(store.config, writesVersion);
    // Act
    const pushed = await pushModel(
      { ...store.deps, ddb: losing.ddb },
      { name: 'echo', bytes: largeModel(256, 41), createdBy: 'alice' },
    ).finally(() => losing.destroy());
    // Assess
    expect(losing.lost()).toBe(true);
    expect(pushed).toMatchObject({ created: true, restored: false, version: { version: 1 } });
  });

  it('pushes as usual when the response to pinning the bytes was lost', async () => {
    // Prepare: the retried pin finds the bytes pinned already, which is no reason to refuse it
    const losing = losingResponse(store.config, updates('SET pinnedAt'));
    // Act
    const pushed = await pushModel(
      { ...store.deps, ddb: losing.ddb },
      { name: 'pinned', bytes: largeModel(256, 43), createdBy: 'alice' },
    ).finally(() => losing.destroy());
    // Assess
    expect(losing.lost()).toBe(true);
    expect(pushed).toMatchObject({ created: true, version: { version: 1 } });
  });

  it('still reports an identical push that wrote the record first as not created', async () => {
    // Prepare: another push of the same bytes writes version 1 while this one is about to
    const bytes = largeModel(256, 42);
    let other: Awaited<ReturnType<typeof pushModel>> | undefined;
    const ddb = new Proxy(store.deps.ddb, {
      get(target, property, receiver) {
        if (property !== 'send') return Reflect.get(target, property, receiver);
        return async (command: {
          constructor: { name: string };
          input: { Item?: { sk?: string } };
        }) => {
          if (other === undefined && command.input.Item?.sk?.startsWith('VERSION#'))
            other = await pushModel(store.deps, { name: 'twin', bytes, createdBy: 'bob' });
          return target.send(command as never);
        };
      },
    });
    // Act
    const pushed = await pushModel(
      { ...store.deps, ddb },
      { name: 'twin', bytes, createdBy: 'alice' },
    );
    // Assess
    expect(other).toMatchObject({ created: true, version: { version: 1, createdBy: 'bob' } });
    expect(pushed).toMatchObject({ created: false, version: { version: 1, createdBy: 'bob' } });
  });
});

describe('a store outage (local stack, emulators stopped and restarted)', () => {
  let stack: LocalStack;
  let home: string;
  let deps: ModelStoreDeps & { keysTable: string };
  const body = { inputs: [{ name: 'x', datatype: 'FP32', shape: [1], data: [1] }] };
  const infer = (model: string) =>
    request({ url: stack.url, apiKey: stack.apiKey }, 'POST', `/v2/models/${model}/infer`, {
      body,
    });

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'maas-outage-'));
    // Persisted, so the restarted emulators come back with their data; short TTLs so the outage shows.
    stack = await startLocalStack({
      home,
      port: 0,
      demo: false,
      env: { MAAS_METADATA_TTL_MS: '100', MAAS_KEY_CACHE_TTL_MS: '600000' },
    });
    const clients = createClients(loadConfig(localEnv(stack.state)));
    deps = { ...clients, ...LOCAL_RESOURCES };
    await pushModel(deps, { name: 'warm', bytes: largeModel(64, 31), createdBy: 'test' });
    await pushModel(deps, { name: 'cold', bytes: largeModel(64, 32), createdBy: 'test' });
  });
  afterAll(async () => {
    await stack.stop();
    await rm(home, { recursive: true, force: true });
  });

  it('keeps serving warm models, answers 503 for cold ones, and recovers by itself', async () => {
    expect((await infer('warm')).status).toBe(200);
    // A key never used yet is not in the authorizer cache: during the outage it cannot be checked.
    const { token } = await createKey(deps, { name: 'fresh', createdBy: 'test' });
    await stack.emulators.stop();
    await new Promise((resolve) => setTimeout(resolve, 150)); // past the metadata TTL

    for (let i = 0; i < 5; i++) expect((await infer('warm')).status).toBe(200);
    const cold = await infer('cold');
    expect(cold).toMatchObject({
      status: 503,
      body: { error: expect.stringMatching(/^model registry unavailable/) },
    });
    expect(
      (await request({ url: stack.url, apiKey: stack.apiKey }, 'GET', '/v2/health/ready')).status,
    ).toBe(503);
    const unchecked = await request({ url: stack.url, apiKey: token }, 'GET', '/v2/health/live');
    expect(unchecked).toMatchObject({ status: 503, body: { error: AUTH_UNAVAILABLE_MESSAGE } });

    await stack.emulators.restart();
    const started = Date.now();
    let status = 0;
    while (Date.now() - started < 15_000) {
      status = (await infer('cold')).status;
      if (status === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(status).toBe(200);
    console.info(`recovered ${Date.now() - started} ms after the store returned`);
    expect(
      (await request({ url: stack.url, apiKey: stack.apiKey }, 'GET', '/v2/health/ready')).status,
    ).toBe(200);
  }, 60_000);
});
