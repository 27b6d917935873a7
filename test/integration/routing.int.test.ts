import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createClients } from '../../core/clients.js';
import { pushModel } from '../../core/models/push.js';
import { getHead, listChanges, updateRouting } from '../../core/models/registry.js';
import {
  clearCanary,
  history,
  promote,
  retireVersion,
  rollback,
  startCanary,
} from '../../core/models/routing.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../../core/oip/errors.js';
import { largeModel } from '../../tools/onnx-models.js';
import { isRoutingWrite, losingResponse } from '../helpers/lost-response.js';
import { startStore, type TestStore } from '../helpers/start-store.js';

describe('version routing (core, local emulators)', () => {
  let store: TestStore;
  let seed = 0;
  /** A fresh model with `count` versions. */
  const model = async (name: string, count: number) => {
    for (let i = 0; i < count; i++) {
      await pushModel(store.deps, { name, bytes: largeModel(64, ++seed), createdBy: 'test' });
    }
    return name;
  };
  const as = (by: string) => ({ by });

  beforeAll(async () => {
    store = await startStore();
  });
  afterAll(() => store.stop());

  it('walks promote, canary, clear, promote and rollback, recording each change newest first', async () => {
    const name = await model('walk', 3);
    await promote(store.deps, { name, version: 1, ...as('alice'), reason: 'first release' });
    await startCanary(store.deps, { name, version: 2, weight: 10, ...as('bob') });
    await clearCanary(store.deps, { name, ...as('bob') });
    await startCanary(store.deps, { name, version: 3, weight: 20, ...as('bob') });
    await promote(store.deps, { name, version: 3, ...as('carol') });
    await rollback(store.deps, { name, ...as('dave'), reason: 'latency regression' });

    expect(await getHead(store.deps, name)).toMatchObject({
      stable: 1,
      revision: 6,
      previousStables: [],
    });
    const changes = await history(store.deps, name);
    expect(changes.map((c) => [c.revision, c.action, c.by, c.from, c.to])).toEqual([
      [6, 'rollback', 'dave', { stable: 3 }, { stable: 1 }],
      [5, 'promote', 'carol', { stable: 1, canary: 3, canaryWeight: 20 }, { stable: 3 }],
      [4, 'canary', 'bob', { stable: 1 }, { stable: 1, canary: 3, canaryWeight: 20 }],
      [3, 'clear-canary', 'bob', { stable: 1, canary: 2, canaryWeight: 10 }, { stable: 1 }],
      [2, 'canary', 'bob', { stable: 1 }, { stable: 1, canary: 2, canaryWeight: 10 }],
      [1, 'promote', 'alice', {}, { stable: 1 }],
    ]);
    expect(changes[0]?.reason).toBe('latency regression');
    expect(changes[5]?.reason).toBe('first release');
  });

  it('lets exactly one of two racing operators win, and records one change', async () => {
    // Prepare: two operators, each with their own clients, who both saw revision 1
    const name = await model('race', 3);
    await promote(store.deps, { name, version: 1, ...as('setup') });
    const other = { ...store.deps, ...createClients(store.config) };
    // Act
    const results = await Promise.allSettled([
      promote(store.deps, { name, version: 2, ...as('alice'), expectedRevision: 1 }),
      promote(other, { name, version: 3, ...as('bob'), expectedRevision: 1 }),
    ]);
    // Assess
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]?.reason).toBeInstanceOf(ConflictError);
    expect(lost[0]?.reason.message).toMatch(
      /model 'race' changed since revision 1 \(revision 2: promote [23] .* by (alice|bob) at /,
    );
    expect((await history(store.deps, name)).map((c) => c.revision)).toEqual([2, 1]);
  });

  it('reports a change whose response was lost as made, and records it, when its retry finds it applied', async () => {
    // Prepare: the store applies alice's promote, its answer is lost, and the SDK's retry of the
    // same conditional write then fails, since the head is no longer at the revision it was planned on
    const name = await model('lost-answer', 2);
    await promote(store.deps, { name, version: 1, ...as('setup') });
    const client = losingResponse(store.config, isRoutingWrite);
    // Act
    const change = await promote(
      { ...store.deps, ddb: client.ddb },
      { name, version: 2, ...as('alice'), reason: 'ship 2' },
    ).finally(() => client.destroy());
    // Assess: reported as the change it was, and in the history (not only in the head)
    expect(client.lost()).toBe(true);
    expect(change).toMatchObject({ revision: 2, action: 'promote', version: 2, by: 'alice' });
    expect(await getHead(store.deps, name)).toMatchObject({ stable: 2, revision: 2 });
    const recorded = await listChanges(store.deps, name);
    expect(recorded.map((c) => [c.revision, c.by, c.reason])).toEqual([
      [2, 'alice', 'ship 2'],
      [1, 'setup', undefined],
    ]);
  });

  it('reports a change whose response was lost as made when another change landed on top before its retry', async () => {
    const name = await model('lost-then-moved', 3);
    await promote(store.deps, { name, version: 1, ...as('setup') });
    const client = losingResponse(store.config, isRoutingWrite, async () => {
      await promote(store.deps, { name, version: 3, ...as('bob') });
    });
    const change = await promote(
      { ...store.deps, ddb: client.ddb },
      { name, version: 2, ...as('alice') },
    ).finally(() => client.destroy());
    expect(change).toMatchObject({ revision: 2, action: 'promote', version: 2, by: 'alice' });
    expect(await getHead(store.deps, name)).toMatchObject({ stable: 3, revision: 3 });
    expect((await listChanges(store.deps, name)).map((c) => [c.revision, c.by])).toEqual([
      [3, 'bob'],
      [2, 'alice'],
      [1, 'setup'],
    ]);
  });

  it('still refuses a change whose twin (same caller, action, version and reason, another moment) landed first', async () => {
    // Prepare: just before alice's write, the same promote sent a moment earlier lands
    const name = await model('twin', 2);
    await promote(store.deps, { name, version: 1, ...as('setup') });
    const twin = { name, version: 2, ...as('alice'), reason: 'ship 2' };
    let armed = true;
    const ddb = new Proxy(store.deps.ddb, {
      get(target, property, receiver) {
        if (property !== 'send') return Reflect.get(target, property, receiver);
        return async (command: { input: { ConditionExpression?: string } }) => {
          if (armed && String(command.input.ConditionExpression).includes('#revision')) {
            armed = false;
            await promote(store.deps, { ...twin, now: new Date('2026-01-01T00:00:00.000Z') });
          }
          return (target.send as (c: unknown) => Promise<unknown>)(command);
        };
      },
    });
    // Act + Assess
    await expect(
      promote({ ...store.deps, ddb }, { ...twin, now: new Date('2026-01-01T00:00:01.000Z') }),
    ).rejects.toThrow(
      /changed since revision 1 \(revision 2: promote 2 .* by alice at 2026-01-01T00:00:00\.000Z\)/,
    );
    expect((await listChanges(store.deps, name)).map((c) => c.at)).toEqual([
      '2026-01-01T00:00:00.000Z',
      expect.any(String),
    ]);
  });

  it('lets one of many concurrent promotes without a pinned revision win per revision, losing none', async () => {
    const name = await model('stampede', 5);
    const results = await Promise.allSettled(
      [1, 2, 3, 4, 5].map((version) =>
        promote(
          { ...store.deps, ...createClients(store.config) },
          { name, version, ...as(`op${version}`) },
        ),
      ),
    );
    const head = await getHead(store.deps, name);
    const changes = await history(store.deps, name);
    // Every success is one recorded change; every failure a 409 that changed nothing.
    expect(changes).toHaveLength(results.filter((r) => r.status === 'fulfilled').length);
    expect(head.revision).toBe(changes.length);
    for (const r of results)
      if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ConflictError);
  });

  it('refuses changes that make no sense with a clear reason', async () => {
    const name = await model('refusals', 2);
    await expect(rollback(store.deps, { name, ...as('x') })).rejects.toThrow(
      "model 'refusals' has no earlier stable version to roll back to",
    );
    await expect(
      startCanary(store.deps, { name, version: 2, weight: 10, ...as('x') }),
    ).rejects.toThrow(/no stable version for the canary/);
    await promote(store.deps, { name, version: 1, ...as('x') });
    await expect(
      startCanary(store.deps, { name, version: 2, weight: 100, ...as('x') }),
    ).rejects.toThrow(InvalidInputError);
    await expect(
      startCanary(store.deps, { name, version: 1, weight: 10, ...as('x') }),
    ).rejects.toThrow(/already the stable version/);
    await expect(promote(store.deps, { name, version: 7, ...as('x') })).rejects.toThrow(
      NotFoundError,
    );
    await expect(
      promote(store.deps, { name: 'no-such-model', version: 1, ...as('x') }),
    ).rejects.toThrow(NotFoundError);
    await expect(
      promote(store.deps, { name, version: 1, ...as('x'), expectedRevision: 0 }),
    ).rejects.toThrow(/changed since revision 0/);
    expect(await promote(store.deps, { name, version: 1, ...as('x') })).toBeUndefined(); // already stable: no change
    expect((await getHead(store.deps, name)).revision).toBe(1);
  });

  it('refuses to retire the stable or canary version (409, nothing changes), and retires any other', async () => {
    const name = await model('retire', 3);
    await promote(store.deps, { name, version: 1, ...as('x') });
    await startCanary(store.deps, { name, version: 2, weight: 50, ...as('x') });
    const before = await getHead(store.deps, name);
    await expect(retireVersion(store.deps, { name, version: 1, ...as('x') })).rejects.toThrow(
      /is the stable version of 'retire'/,
    );
    await expect(retireVersion(store.deps, { name, version: 2, ...as('x') })).rejects.toThrow(
      /is the canary version of 'retire'/,
    );
    expect(await getHead(store.deps, name)).toEqual(before);

    const change = await retireVersion(store.deps, {
      name,
      version: 3,
      ...as('x'),
      reason: 'superseded',
    });
    expect(change).toMatchObject({ action: 'retire', version: 3, reason: 'superseded' });
    expect(Object.keys((await getHead(store.deps, name)).retired)).toEqual(['3']);
    await expect(promote(store.deps, { name, version: 3, ...as('x') })).rejects.toThrow(
      /retired and cannot serve again/,
    );
  });

  it('skips retired versions when rolling back', async () => {
    const name = await model('skip', 3);
    for (const version of [1, 2, 3]) await promote(store.deps, { name, version, ...as('x') });
    await retireVersion(store.deps, { name, version: 2, ...as('x') });
    await rollback(store.deps, { name, ...as('x') });
    expect(await getHead(store.deps, name)).toMatchObject({ stable: 1, previousStables: [] });
  });

  it('ends a canary only when the version named is the one running', async () => {
    const name = await model('named-clear', 3);
    await promote(store.deps, { name, version: 1, ...as('x') });
    await startCanary(store.deps, { name, version: 2, weight: 10, ...as('x') });
    const before = await getHead(store.deps, name);
    await expect(clearCanary(store.deps, { name, version: 3, ...as('x') })).rejects.toThrow(
      "version 3 is not the canary of 'named-clear' (canary 2 gets 10%); nothing changed",
    );
    expect(await getHead(store.deps, name)).toEqual(before);
    expect(await clearCanary(store.deps, { name, version: 2, ...as('x') })).toMatchObject({
      action: 'clear-canary',
      version: 2,
      to: { stable: 1 },
    });
  });

  it('refuses a rollback whose only earlier stable left is the current one, changing nothing', async () => {
    // Prepare: 4 was stable before 3, then 4 again; 3 is retired, so only 4 is left behind 4
    const name = await model('nowhere', 4);
    for (const version of [4, 3, 4]) await promote(store.deps, { name, version, ...as('x') });
    await retireVersion(store.deps, { name, version: 3, ...as('x') });
    const before = await getHead(store.deps, name);
    // Act + Assess
    await expect(rollback(store.deps, { name, ...as('x') })).rejects.toThrow(
      "model 'nowhere' has no earlier stable version to roll back to",
    );
    expect(await getHead(store.deps, name)).toEqual(before);
    expect((await history(store.deps, name))[0]).toMatchObject({ action: 'retire', version: 3 });
  });

  it('rolls back past earlier stints of the current stable to a different version', async () => {
    const name = await model('past-self', 4);
    for (const version of [1, 4, 3, 4]) await promote(store.deps, { name, version, ...as('x') });
    await retireVersion(store.deps, { name, version: 3, ...as('x') });
    expect(await rollback(store.deps, { name, ...as('x') })).toMatchObject({
      from: { stable: 4 },
      to: { stable: 1 },
    });
    expect(await getHead(store.deps, name)).toMatchObject({ stable: 1, previousStables: [] });
  });

  it('restores a history entry lost between the routing write and its history write', async () => {
    // Prepare: a change whose process died after the head write (simulated by writing only the head)
    const name = await model('crash', 2);
    await promote(store.deps, { name, version: 1, ...as('x') });
    const head = await getHead(store.deps, name);
    const change = {
      revision: 2,
      at: new Date().toISOString(),
      by: 'crashed',
      action: 'promote' as const,
      version: 2,
      from: { stable: 1 },
      to: { stable: 2 },
    };
    expect(
      await updateRouting(
        store.deps,
        name,
        head.revision,
        { ...head, stable: 2, previousStables: [1] },
        change,
      ),
    ).toBe(true);
    // Act + Assess: the history still shows it, and the next change keeps it too
    expect((await history(store.deps, name)).map((c) => c.by)).toEqual(['crashed', 'x']);
    await rollback(store.deps, { name, ...as('y') });
    expect((await history(store.deps, name)).map((c) => c.revision)).toEqual([3, 2, 1]);
  });
});
