import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it, jest } from '@jest/globals';
import { ModelCatalog } from '../../../../core/inference/catalog.js';
import { NotFoundError, UnavailableError } from '../../../../core/oip/errors.js';

const record = (version: number) => ({
  name: 'm',
  version,
  sha256: 'a'.repeat(64),
  size: 10,
  objectKey: 'k',
  signature: { inputs: [], outputs: [] },
  createdAt: 't',
  createdBy: 'u',
});

/** A fake document client: GetCommand finds the head, QueryCommand lists the versions. */
function fakeDdb(items: { head?: object; versions: object[] }) {
  const send = jest.fn(async (command: { constructor: { name: string } }) => {
    if (command.constructor.name === 'GetCommand') return { Item: items.head };
    return { Items: items.versions };
  });
  return { ddb: { send } as unknown as DynamoDBDocumentClient, send };
}

describe('ModelCatalog', () => {
  it('serves the newest ready version when none is named, never a retired one', async () => {
    const { ddb } = fakeDdb({
      head: { name: 'm', lastVersion: 3, createdAt: 't', retired: { '3': { at: 't', by: 'u' } } },
      versions: [record(1), record(2), record(3)],
    });
    const catalog = new ModelCatalog({ ddb, modelsTable: 't' }, { ttlMs: 1000 });
    expect((await catalog.resolve('m')).version).toBe(2);
    await expect(catalog.resolve('m', 3)).rejects.toThrow("model 'm' version 3 is retired");
    await expect(catalog.resolve('m', 9)).rejects.toThrow(NotFoundError);
  });

  it('reads DynamoDB once per TTL, for known and unknown models alike', async () => {
    let now = 0;
    const known = fakeDdb({
      head: { name: 'm', lastVersion: 1, createdAt: 't' },
      versions: [record(1)],
    });
    const catalog = new ModelCatalog(
      { ddb: known.ddb, modelsTable: 't' },
      { ttlMs: 1000, now: () => now },
    );
    await catalog.resolve('m');
    await catalog.resolve('m', 1);
    expect(known.send).toHaveBeenCalledTimes(2); // one head read + one version query
    now = 1000;
    await catalog.resolve('m');
    expect(known.send).toHaveBeenCalledTimes(4);

    const unknown = fakeDdb({ versions: [] });
    const empty = new ModelCatalog(
      { ddb: unknown.ddb, modelsTable: 't' },
      { ttlMs: 1000, now: () => now },
    );
    await expect(empty.resolve('nope')).rejects.toThrow("model 'nope' not found");
    await expect(empty.resolve('nope')).rejects.toThrow(NotFoundError);
    expect(unknown.send).toHaveBeenCalledTimes(2); // head and versions, read at once, then cached
  });

  it('routes unversioned requests to the canary for its weight, else to stable', async () => {
    const { ddb } = fakeDdb({
      head: { name: 'm', lastVersion: 3, createdAt: 't', stable: 1, canary: 3, canaryWeight: 20 },
      versions: [record(1), record(2), record(3)],
    });
    let draw = 0;
    const catalog = new ModelCatalog(
      { ddb, modelsTable: 't' },
      { ttlMs: 1000, random: () => draw },
    );
    draw = 0.19;
    expect((await catalog.resolve('m')).version).toBe(3);
    draw = 0.2;
    expect((await catalog.resolve('m')).version).toBe(1);
    expect((await catalog.resolve('m', 2)).version).toBe(2); // explicit versions bypass routing
    expect((await catalog.servingVersions('m')).map((v) => v.version)).toEqual([1, 3]);
  });

  it('keeps serving the last known records while the registry is unreachable, and recovers', async () => {
    let now = 0;
    let down = false;
    const head = { name: 'm', lastVersion: 1, createdAt: 't' };
    const send = jest.fn(async (command: { constructor: { name: string } }) => {
      if (down) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      return command.constructor.name === 'GetCommand' ? { Item: head } : { Items: [record(1)] };
    });
    const stale: string[] = [];
    const catalog = new ModelCatalog(
      { ddb: { send } as unknown as DynamoDBDocumentClient, modelsTable: 't' },
      { ttlMs: 1000, now: () => now, onStale: (model) => stale.push(model) },
    );
    expect((await catalog.resolve('m')).version).toBe(1);
    down = true;
    now = 5000;
    expect((await catalog.resolve('m')).version).toBe(1); // served from the last good read
    expect(stale).toEqual(['m']);
    await expect(catalog.resolve('other')).rejects.toThrow(UnavailableError); // nothing known: 503
    down = false;
    now = 10_000;
    expect((await catalog.resolve('m')).version).toBe(1);
    expect(stale).toEqual(['m']);
  });

  it('keeps the last known records when a failing read outlasts the TTL', async () => {
    let now = 0;
    let down = false;
    const head = { name: 'm', lastVersion: 1, createdAt: 't' };
    const pending: (() => void)[] = [];
    const send = jest.fn(async (command: { constructor: { name: string } }) => {
      // Down: each read hangs until the test lets it fail, as the SDK's timeouts would.
      if (down)
        await new Promise<void>((_, reject) =>
          pending.push(() =>
            reject(Object.assign(new Error('timed out'), { name: 'TimeoutError' })),
          ),
        );
      return command.constructor.name === 'GetCommand' ? { Item: head } : { Items: [record(1)] };
    });
    const catalog = new ModelCatalog(
      { ddb: { send } as unknown as DynamoDBDocumentClient, modelsTable: 't' },
      { ttlMs: 1000, now: () => now },
    );
    expect((await catalog.resolve('m')).version).toBe(1);
    down = true;
    now = 5000;
    const first = catalog.resolve('m'); // a refresh, still failing
    now = 7000; // past the TTL of that refresh: another starts
    const second = catalog.resolve('m');
    for (const fail of pending.splice(0)) fail();
    await expect(first).resolves.toMatchObject({ version: 1 });
    await expect(second).resolves.toMatchObject({ version: 1 });
  });

  it('turns a registry failure into a 503 and does not cache it', async () => {
    const send = jest
      .fn<() => Promise<unknown>>()
      .mockRejectedValue(Object.assign(new Error('down'), { name: 'TimeoutError' }));
    const catalog = new ModelCatalog(
      { ddb: { send } as unknown as DynamoDBDocumentClient, modelsTable: 't' },
      { ttlMs: 60_000 },
    );
    await expect(catalog.resolve('m')).rejects.toThrow(UnavailableError);
    await expect(catalog.resolve('m')).rejects.toThrow('model registry unavailable: TimeoutError');
    expect(send.mock.calls.length).toBe(4); // tried again (head and versions): failures are not cached
  });

  it('reads the versions again when the head routes to one pushed after the list was read', async () => {
    // Head and versions are read at once: the list can predate a version the head already names.
    const lists = [[record(1)], [record(1), record(2)]];
    const send = jest.fn(async (command: { constructor: { name: string } }) =>
      command.constructor.name === 'GetCommand'
        ? { Item: { name: 'm', lastVersion: 2, createdAt: 't', stable: 2 } }
        : { Items: lists.shift() },
    );
    const catalog = new ModelCatalog(
      { ddb: { send } as unknown as DynamoDBDocumentClient, modelsTable: 't' },
      { ttlMs: 1000 },
    );
    expect(await catalog.route('m')).toEqual({ version: record(2), role: 'stable' });
    expect(send).toHaveBeenCalledTimes(3);
  });

  it('routes at once while the records are read and fresh, as route() would, and leaves the rest to it', async () => {
    let now = 0;
    const { ddb, send } = fakeDdb({
      head: { name: 'm', lastVersion: 3, createdAt: 't', retired: { '3': { at: 't', by: 'u' } } },
      versions: [record(1), record(2), record(3)],
    });
    const catalog = new ModelCatalog({ ddb, modelsTable: 't' }, { ttlMs: 1000, now: () => now });
    expect(catalog.routeNow('m')).toBeUndefined(); // never read
    const reading = catalog.route('m');
    expect(catalog.routeNow('m')).toBeUndefined(); // being read
    expect(await reading).toEqual({ version: record(2), role: 'newest' });
    expect(catalog.routeNow('m')).toEqual({ version: record(2), role: 'newest' });
    expect(catalog.routeNow('m', 1)).toEqual({ version: record(1), role: 'pinned' });
    expect(() => catalog.routeNow('m', 3)).toThrow("model 'm' version 3 is retired");
    expect(() => catalog.routeNow('m', 9)).toThrow("model 'm' has no version 9");
    const empty = new ModelCatalog(
      { ...fakeDdb({ versions: [] }), modelsTable: 't' },
      { ttlMs: 1000 },
    );
    await expect(empty.resolve('nope')).rejects.toThrow(NotFoundError);
    expect(empty.routeNow('nope')).toBeUndefined(); // unknown: route() says so
    now = 1000;
    expect(catalog.routeNow('m')).toBeUndefined(); // stale: route() reads again
    expect(send).toHaveBeenCalledTimes(2); // head and versions, once
  });
});
