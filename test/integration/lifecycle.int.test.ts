import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { pushModel } from '../../core/models/push.js';
import { clearCanary, promote, rollback, startCanary } from '../../core/models/routing.js';
import { largeModel } from '../../tools/onnx-models.js';
import { maas } from '../helpers/cli.js';
import { redirectOutput } from '../helpers/output.js';
import { type LocalEnv, request, startLocal } from '../helpers/start-local.js';

const TTL_MS = 400;
const by = { by: 'test' };
const input = { inputs: [{ name: 'x', datatype: 'FP32', shape: [1], data: [1] }] };

describe('version lifecycle over HTTP (local stack, routing TTL 400 ms)', () => {
  let local: LocalEnv;
  let seed = 0;
  const model = async (name: string, count: number) => {
    for (let i = 0; i < count; i++)
      await pushModel(local.deps, { name, bytes: largeModel(64, ++seed), createdBy: 'test' });
    return name;
  };
  /** The model_version of `n` unversioned inferences, 16 in flight. */
  const versionsServed = async (name: string, n: number): Promise<string[]> => {
    const served: string[] = [];
    for (let i = 0; i < n; i += 16) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(16, n - i) }, () =>
          request(local, 'POST', `/v2/models/${name}/infer`, { body: input }),
        ),
      );
      for (const res of batch) {
        expect(res.status).toBe(200);
        served.push((res.body as { model_version: string }).model_version);
      }
    }
    return served;
  };
  /** Milliseconds from now until unversioned requests get only `version` (20 in a row). */
  const timeUntilServing = async (name: string, version: string): Promise<number> => {
    const start = performance.now();
    let streak = 0;
    let firstOfStreak = 0;
    while (streak < 20) {
      const [served] = await versionsServed(name, 1);
      const now = performance.now() - start;
      if (served === version) {
        if (streak === 0) firstOfStreak = now;
        streak++;
      } else streak = 0;
      if (now > 10 * TTL_MS)
        throw new Error(`version ${version} still not serving after ${now} ms`);
    }
    return firstOfStreak;
  };
  const waitTtl = () => new Promise((resolve) => setTimeout(resolve, TTL_MS + 100));

  // Thousands of requests, each with its metrics record on stdout (EMF): they would bury the run's
  // results in CI's output. Errors still reach stderr.
  let restoreStdout: () => void;
  beforeAll(async () => {
    restoreStdout = redirectOutput([1], () => {});
    local = await startLocal({ MAAS_METADATA_TTL_MS: String(TTL_MS) });
    process.env.MAAS_HOME = local.home;
  });
  afterAll(async () => {
    await local.stop();
    restoreStdout();
  });

  it('serves the newest version of a model that has no stable version yet', async () => {
    const name = await model('fresh', 2);
    expect(new Set(await versionsServed(name, 20))).toEqual(new Set(['2']));
  });

  it('sends a 20% canary its share of 2,000 requests, within 3 points', async () => {
    const name = await model('canary-share', 2);
    await promote(local.deps, { name, version: 1, ...by });
    await startCanary(local.deps, { name, version: 2, weight: 20, ...by });
    await waitTtl();
    const served = await versionsServed(name, 2000);
    const share = served.filter((v) => v === '2').length / served.length;
    console.info(`canary share over 2000 requests: ${(share * 100).toFixed(1)}% (target 20 ± 3)`);
    expect(new Set(served)).toEqual(new Set(['1', '2']));
    expect(Math.abs(share - 0.2)).toBeLessThanOrEqual(0.03);
  }, 60_000);

  it('makes a promote and a rollback take effect within the routing TTL', async () => {
    const name = await model('ttl', 2);
    await promote(local.deps, { name, version: 1, ...by });
    await waitTtl();
    expect(new Set(await versionsServed(name, 10))).toEqual(new Set(['1']));

    await promote(local.deps, { name, version: 2, ...by });
    const promoted = await timeUntilServing(name, '2');
    await rollback(local.deps, { name, ...by });
    const rolledBack = await timeUntilServing(name, '1');
    console.info(
      `took effect after: promote ${promoted.toFixed(0)} ms, rollback ${rolledBack.toFixed(0)} ms (TTL ${TTL_MS} ms)`,
    );
    // A request already in flight when the TTL ends may finish a few ms later; nothing waits longer.
    expect(promoted).toBeLessThanOrEqual(TTL_MS + 50);
    expect(rolledBack).toBeLessThanOrEqual(TTL_MS + 50);
  }, 30_000);

  it('leaves no stale routing behind across canary, clear, canary, promote and rollback', async () => {
    const name = await model('sequence', 3);
    await promote(local.deps, { name, version: 1, ...by });
    const steps: [string, () => Promise<unknown>, string[]][] = [
      [
        'canary v2 at 50%',
        () => startCanary(local.deps, { name, version: 2, weight: 50, ...by }),
        ['1', '2'],
      ],
      ['clear', () => clearCanary(local.deps, { name, ...by }), ['1']],
      [
        'canary v3 at 50%',
        () => startCanary(local.deps, { name, version: 3, weight: 50, ...by }),
        ['1', '3'],
      ],
      ['promote v3', () => promote(local.deps, { name, version: 3, ...by }), ['3']],
      ['rollback', () => rollback(local.deps, { name, ...by }), ['1']],
    ];
    for (const [step, act, allowed] of steps) {
      await act();
      await waitTtl();
      const served = new Set(await versionsServed(name, 500));
      expect({ step, served: [...served].sort() }).toEqual({ step, served: allowed });
    }
  }, 60_000);

  it('refuses to delete the stable or canary version with 409, changing nothing', async () => {
    const name = await model('guarded', 2);
    await promote(local.deps, { name, version: 1, ...by });
    await startCanary(local.deps, { name, version: 2, weight: 30, ...by });
    for (const version of ['1', '2']) {
      const result = await maas('models', 'delete', name, '--version', version, '--local');
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/is the (stable|canary) version of 'guarded'/);
    }
    const described = JSON.parse(
      (await maas('models', 'describe', name, '--local', '--json')).stdout,
    );
    expect(described).toMatchObject({
      stable: 1,
      canary: 2,
      canaryWeight: 30,
      revision: 2,
      retired: {},
    });
  });

  it('stops serving a deleted (retired) version but keeps its bytes', async () => {
    const name = await model('retiring', 3);
    await promote(local.deps, { name, version: 3, ...by });
    expect(
      (await request(local, 'POST', `/v2/models/${name}/versions/2/infer`, { body: input })).status,
    ).toBe(200);
    const deleted = await maas(
      'models',
      'delete',
      name,
      '--version',
      '2',
      '--reason',
      'bad weights',
      '--local',
    );
    expect(deleted.code).toBe(0);
    await waitTtl();
    const res = await request(local, 'POST', `/v2/models/${name}/versions/2/infer`, {
      body: input,
    });
    expect(res).toMatchObject({
      status: 404,
      body: { error: "model 'retiring' version 2 is retired" },
    });
    const meta = await request(local, 'GET', `/v2/models/${name}`);
    expect((meta.body as { versions: string[] }).versions).toEqual(['1', '3']);
    const described = JSON.parse(
      (await maas('models', 'describe', name, '--version', '2', '--local', '--json')).stdout,
    );
    expect(described).toMatchObject({
      status: 'retired',
      retiredAt: expect.any(String),
      bytesKeptUntil: expect.any(String),
    });
    const head = await local.deps.s3.send(
      new HeadObjectCommand({ Bucket: local.deps.modelBucket, Key: described.objectKey }),
    );
    expect(head.ContentLength).toBe(described.size);
    // Retiring is a change like any other: it is in the history, with its reason.
    const changes = JSON.parse((await maas('models', 'history', name, '--local', '--json')).stdout);
    expect(changes[0]).toMatchObject({ action: 'retire', version: 2, reason: 'bad weights' });
  });
});
