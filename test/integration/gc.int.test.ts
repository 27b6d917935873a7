import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readModelBytes } from '../../core/models/artifacts.js';
import { collectGarbage, type GcOptions } from '../../core/models/gc.js';
import { type ModelStoreDeps, pushModel } from '../../core/models/push.js';
import { getShaClaim, getVersion } from '../../core/models/registry.js';
import { promote, retireVersion } from '../../core/models/routing.js';
import type { ModelVersion } from '../../core/models/schemas.js';
import { largeModel } from '../../tools/onnx-models.js';
import { losingResponse, updates } from '../helpers/lost-response.js';
import { startStore, type TestStore } from '../helpers/start-store.js';

type Command = { constructor: { name: string }; input: Record<string, unknown> };
type Hook = (command: Command) => Promise<void> | void;

/** A client whose `send` runs `before` ahead of each command and `after` once it answered. */
function intercepted<T extends { send: unknown }>(
  client: T,
  hooks: { before?: Hook; after?: Hook },
): T {
  return new Proxy(client, {
    get(target, property, receiver) {
      if (property !== 'send') return Reflect.get(target, property, receiver);
      return async (command: Command) => {
        await hooks.before?.(command);
        const out = await (target.send as (c: Command) => Promise<unknown>)(command);
        await hooks.after?.(command);
        return out;
      };
    },
  });
}

const isVersionWrite = (c: Command) =>
  c.constructor.name === 'PutCommand' &&
  String((c.input.Item as { sk?: string } | undefined)?.sk).startsWith('VERSION#');

describe('maas gc racing a push of the same bytes (local emulators)', () => {
  let store: TestStore;
  let seed = 100;
  beforeAll(async () => {
    store = await startStore();
  });
  afterAll(() => store.stop());

  /** A model whose version 1 (the returned bytes) is retired, with version 2 stable. */
  const retiredModel = async (name: string): Promise<Uint8Array> => {
    const bytes = largeModel(256, ++seed);
    await pushModel(store.deps, { name, bytes, createdBy: 'test' });
    await pushModel(store.deps, { name, bytes: largeModel(256, ++seed), createdBy: 'test' });
    await promote(store.deps, { name, version: 2, by: 'test' });
    await retireVersion(store.deps, { name, version: 1, by: 'test' });
    return bytes;
  };
  const gc = (deps: ModelStoreDeps, graceMinutes: number, extra: Partial<GcOptions> = {}) =>
    collectGarbage(deps, {
      retiredRetentionDays: 0, // version 1's retention is over the moment it is retired
      graceMinutes,
      apply: true,
      ...extra,
    });
  /** The version's bytes as serving reads them: refused unless present and intact. */
  const readBack = (v: ModelVersion) =>
    readModelBytes(store.deps, v.objectKey, v.size, v.sha256).then((b) => b.byteLength);

  /** Bytes a push stored before its record write failed: an orphan whose claim has no version yet. */
  const orphan = async (name: string): Promise<Uint8Array> => {
    const bytes = largeModel(256, ++seed);
    const ddb = intercepted(store.deps.ddb, {
      before: (c) => {
        if (isVersionWrite(c)) throw new Error('process stopped before the record was written');
      },
    });
    await expect(
      pushModel({ ...store.deps, ddb }, { name, bytes, createdBy: 'test' }),
    ).rejects.toThrow(/before the record/);
    return bytes;
  };

  type Case = [string, 'within' | 'before', (name: string) => Promise<Uint8Array>, number, RegExp];
  it.each<Case>([
    ['a retired version', 'within', retiredModel, 3, /^a push stored these bytes at /],
    ['a retired version', 'before', retiredModel, 3, /^in use again \(versions 3\)$/],
    ['an orphan of a failed push', 'before', orphan, 1, /^in use again \(versions 1\)$/],
  ])(
    'keeps the bytes of %s when a push of them lands between listing and deleting (pinned %s grace)',
    async (_, pinned, prepare, expected, reason) => {
      // Prepare: gc lists the objects, then the whole push runs before gc goes on
      const name = `relisted-${expected}-${pinned}`;
      const bytes = await prepare(name);
      let pushed: ModelVersion | undefined;
      const s3 = intercepted(store.deps.s3, {
        after: async (c) => {
          if (c.constructor.name === 'ListObjectsV2Command' && pushed === undefined)
            pushed = (await pushModel(store.deps, { name, bytes, createdBy: 'test' })).version;
        },
      });
      // Act
      // A cutoff a minute ahead makes the push's pin old enough for gc's lease, so gc decides again
      // from the records: what happens when a push takes longer than the grace period.
      const cutoff = pinned === 'before' ? { now: new Date(Date.now() + 60_000) } : {};
      const report = await gc({ ...store.deps, s3 }, 0, cutoff);
      // Assess
      expect(pushed).toMatchObject({ version: expected });
      const stored = pushed as ModelVersion;
      expect(report.candidates.map((c) => c.key)).not.toContain(stored.objectKey);
      expect(report.kept).toContainEqual(
        expect.objectContaining({ key: stored.objectKey, reason: expect.stringMatching(reason) }),
      );
      await expect(readBack(stored)).resolves.toBe(bytes.byteLength);
    },
  );

  it('restores the bytes when gc removed them while the push was writing its record', async () => {
    // Prepare: with no grace at all, gc runs to the end just before the push writes its record
    const name = 'overtaken';
    const bytes = await retiredModel(name);
    let collected: Awaited<ReturnType<typeof gc>> | undefined;
    const ddb = intercepted(store.deps.ddb, {
      before: async (c) => {
        if (isVersionWrite(c) && collected === undefined) collected = await gc(store.deps, 0);
      },
    });
    // Act
    const pushed = await pushModel({ ...store.deps, ddb }, { name, bytes, createdBy: 'test' });
    // Assess: gc did remove the object, and the push noticed and stored it again
    expect(collected?.deleted).toBe(1);
    expect(pushed).toMatchObject({ created: true, version: { version: 3 } });
    await expect(readBack(pushed.version)).resolves.toBe(bytes.byteLength);
  });

  it('makes a push wait while gc removes the same bytes, then stores them again', async () => {
    // Prepare: gc has decided and is about to delete when the push starts
    const name = 'waiting';
    const bytes = await retiredModel(name);
    let push: Promise<{ version: ModelVersion }> | undefined;
    const s3 = intercepted(store.deps.s3, {
      before: async (c) => {
        if (c.constructor.name !== 'DeleteObjectCommand' || push !== undefined) return;
        push = pushModel(store.deps, { name, bytes, createdBy: 'test' });
        await new Promise((resolve) => setTimeout(resolve, 300)); // the push reaches gc's lease
      },
    });
    // Act
    const report = await gc({ ...store.deps, s3 }, 0);
    const pushed = await (push as Promise<{ version: ModelVersion }>);
    // Assess
    expect(report.deleted).toBe(1);
    expect(pushed.version.version).toBe(3);
    await expect(readBack(pushed.version)).resolves.toBe(bytes.byteLength);
  });

  it.each([
    ['taking', 'SET leaseId'],
    ['releasing', 'REMOVE leaseId'],
  ])(
    'removes the bytes and releases its lease when the response to %s it was lost',
    async (_, write) => {
      // Prepare: the SDK retries the lease write the store already applied
      const name = `retried-${write.split(' ')[0]?.toLowerCase()}`;
      const bytes = await retiredModel(name);
      const { objectKey, sha256 } = await getVersion(store.deps, name, 1);
      const losing = losingResponse(store.config, updates(write));
      // Act
      const report = await gc({ ...store.deps, ddb: losing.ddb }, 0).finally(() =>
        losing.destroy(),
      );
      // Assess: gc went on under its lease and left none behind, so a push of the bytes need not wait
      expect(losing.lost()).toBe(true);
      expect(report.candidates.map((c) => c.key)).toContain(objectKey);
      expect(report.kept.map((k) => k.key)).not.toContain(objectKey);
      expect(await getShaClaim(store.deps, name, sha256)).not.toHaveProperty('leaseId');
      const started = Date.now();
      const pushed = await pushModel(store.deps, { name, bytes, createdBy: 'test' });
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(pushed).toMatchObject({ created: true, version: { version: 3 } });
      await expect(readBack(pushed.version)).resolves.toBe(bytes.byteLength);
    },
  );
});

describe('pushing bytes whose stored object is missing (local emulators)', () => {
  let store: TestStore;
  beforeAll(async () => {
    store = await startStore();
  });
  afterAll(() => store.stop());

  it('stores them again instead of saying nothing was pushed', async () => {
    // Prepare: a version whose object was removed behind maas's back
    const bytes = largeModel(256, 7);
    const first = await pushModel(store.deps, { name: 'lost', bytes, createdBy: 'test' });
    await store.deps.s3.send(
      new DeleteObjectCommand({ Bucket: store.deps.modelBucket, Key: first.version.objectKey }),
    );
    // Act
    const again = await pushModel(store.deps, { name: 'lost', bytes, createdBy: 'test' });
    // Assess
    expect(again).toMatchObject({ created: false, restored: true, version: { version: 1 } });
    const record = await getVersion(store.deps, 'lost', 1);
    const stored = await readModelBytes(store.deps, record.objectKey, record.size, record.sha256);
    expect(stored.equals(Buffer.from(bytes))).toBe(true);
    // And a push of bytes that are there still stores nothing.
    expect(await pushModel(store.deps, { name: 'lost', bytes, createdBy: 'test' })).toMatchObject({
      created: false,
      restored: false,
    });
  });
});
