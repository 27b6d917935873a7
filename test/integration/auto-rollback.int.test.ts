import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { endFailingCanaries } from '../../core/models/auto-rollback.js';
import { pushModel } from '../../core/models/push.js';
import { getHead, listChanges } from '../../core/models/registry.js';
import { clearCanary, history, promote, startCanary } from '../../core/models/routing.js';
import type { AlarmStateChange } from '../../functions/auto-rollback.js';
import { largeModel } from '../../tools/onnx-models.js';
import { context } from '../helpers/context.js';
import { loadFixture } from '../helpers/load-fixture.js';
import { isRoutingWrite, losingResponse } from '../helpers/lost-response.js';
import { startStore, type TestStore } from '../helpers/start-store.js';

type AlarmEvent = EventBridgeEvent<'CloudWatch Alarm State Change', AlarmStateChange>;

describe('automatic rollback of failing canaries (local emulators)', () => {
  let store: TestStore;
  let seed = 0;
  const withCanary = async (name: string) => {
    for (let i = 0; i < 2; i++)
      await pushModel(store.deps, { name, bytes: largeModel(64, ++seed), createdBy: 'test' });
    await promote(store.deps, { name, version: 1, by: 'op' });
    await startCanary(store.deps, { name, version: 2, weight: 10, by: 'op' });
  };

  /** Health in which only `failing` fails: canaries other tests left running are kept. */
  const judged = (models: readonly string[], failing: string) =>
    new Map(
      models.map((model) => [
        model,
        { canaryRequests: 200, canaryErrorRate: model === failing ? 0.5 : 0, stableErrorRate: 0 },
      ]),
    );

  beforeAll(async () => {
    store = await startStore();
  });
  afterAll(() => store.stop());

  it('ends the canaries when CloudWatch reports the alarm through EventBridge, stable untouched, with history', async () => {
    // Prepare: two models with canaries; the function's CloudWatch is unreachable, so it cannot
    // tell which canary fails and ends both (its fail-safe)
    await withCanary('alpha');
    await withCanary('beta');
    Object.assign(process.env, store.env, {
      AWS_ENDPOINT_URL_CLOUDWATCH: 'http://127.0.0.1:9',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_MAX_ATTEMPTS: '1',
    });
    const { handler } = await import('../../functions/auto-rollback.js');
    const event = loadFixture<AlarmEvent>('events/eventbridge', 'canary-alarm');
    // Act
    try {
      await (handler as (e: AlarmEvent, c: Context) => Promise<void>)(event, context);
    } finally {
      // Only the handler's CloudWatch client was to give up at once; clients made later retry as usual.
      delete process.env.AWS_MAX_ATTEMPTS;
    }
    // Assess
    for (const name of ['alpha', 'beta']) {
      const head = await getHead(store.deps, name);
      expect(head).toMatchObject({ stable: 1 });
      expect(head.canary).toBeUndefined();
      const [last] = await history(store.deps, name);
      expect(last).toMatchObject({
        action: 'clear-canary',
        by: 'alarm:Maas-Serving-canary-error-rate',
        from: { stable: 1, canary: 2, canaryWeight: 10 },
        to: { stable: 1 },
        reason: expect.stringMatching(
          /^alarm Maas-Serving-canary-error-rate fired at 2026-11-23T10:15:00\.123\+0000: Threshold Crossed/,
        ),
      });
    }

    // An alarm going back to OK changes nothing.
    await startCanary(store.deps, { name: 'alpha', version: 2, weight: 10, by: 'op' });
    const ok: AlarmEvent = {
      ...event,
      detail: { ...event.detail, state: { ...event.detail.state, value: 'OK' } },
    };
    await (handler as (e: AlarmEvent, c: Context) => Promise<void>)(ok, context);
    expect((await getHead(store.deps, 'alpha')).canary).toBe(2);
  });

  it('ends only the canaries whose error rate exceeds stable by the margin, when it can tell', async () => {
    await withCanary('failing');
    await withCanary('healthy');
    const health = async () =>
      new Map([
        ['failing', { canaryRequests: 200, canaryErrorRate: 0.12, stableErrorRate: 0.01 }],
        ['healthy', { canaryRequests: 200, canaryErrorRate: 0.02, stableErrorRate: 0.01 }],
        ['alpha', { canaryRequests: 0, canaryErrorRate: 0, stableErrorRate: 0 }],
      ]);
    const result = await endFailingCanaries(store.deps, {
      alarmName: 'a',
      reason: 'r',
      marginPct: 5,
      health,
    });
    expect(result.ended).toEqual([{ name: 'failing', version: 2 }]);
    expect([...result.kept].sort()).toEqual(['alpha', 'healthy']);
    expect((await getHead(store.deps, 'healthy')).canary).toBe(2);
  });

  it('leaves alone a canary an operator started after it judged the one before', async () => {
    await withCanary('switched');
    await pushModel(store.deps, {
      name: 'switched',
      bytes: largeModel(64, ++seed),
      createdBy: 'test',
    });
    // Judged on version 2's numbers; meanwhile the operator moves the canary to version 3.
    const health = async () => {
      await startCanary(store.deps, { name: 'switched', version: 3, weight: 5, by: 'op' });
      return new Map([
        ['switched', { canaryRequests: 200, canaryErrorRate: 0.5, stableErrorRate: 0 }],
      ]);
    };
    const result = await endFailingCanaries(store.deps, {
      alarmName: 'a',
      reason: 'r',
      marginPct: 5,
      health,
    });
    expect(result.ended).not.toContainEqual(expect.objectContaining({ name: 'switched' }));
    expect(result.kept).toContain('switched');
    expect(await getHead(store.deps, 'switched')).toMatchObject({ canary: 3, canaryWeight: 5 });
  });

  it('leaves alone a canary an operator ended and started again on the same version after it judged', async () => {
    // Prepare: version 2 at 10% judged failing; meanwhile the operator ends it and retries it at 1%
    await withCanary('restarted');
    const health = async (models: readonly string[]) => {
      await clearCanary(store.deps, { name: 'restarted', by: 'op', reason: 'errors at 10%' });
      await startCanary(store.deps, { name: 'restarted', version: 2, weight: 1, by: 'op' });
      return judged(models, 'restarted');
    };
    // Act
    const result = await endFailingCanaries(store.deps, {
      alarmName: 'a',
      reason: 'r',
      marginPct: 5,
      health,
    });
    // Assess: the operator's canary runs on, and the last change is theirs
    expect(result.ended).not.toContainEqual(expect.objectContaining({ name: 'restarted' }));
    expect(result.kept).toContain('restarted');
    expect(await getHead(store.deps, 'restarted')).toMatchObject({ canary: 2, canaryWeight: 1 });
    expect((await history(store.deps, 'restarted'))[0]).toMatchObject({
      action: 'canary',
      by: 'op',
    });
  });

  it('reports a canary as ended when the answer to its write was lost and the SDK retried it', async () => {
    // Prepare: the store applies the clear, its answer is lost, the SDK's retry fails the condition
    await withCanary('lost-answer');
    const client = losingResponse(store.config, isRoutingWrite);
    // Act
    const result = await endFailingCanaries(
      { ...store.deps, ddb: client.ddb },
      { alarmName: 'a', reason: 'r', marginPct: 5, health: async (m) => judged(m, 'lost-answer') },
    ).finally(() => client.destroy());
    // Assess
    expect(client.lost()).toBe(true);
    expect(result.ended).toContainEqual({ name: 'lost-answer', version: 2 });
    expect(result.kept).not.toContain('lost-answer');
    expect((await getHead(store.deps, 'lost-answer')).canary).toBeUndefined();
    expect((await listChanges(store.deps, 'lost-answer'))[0]).toMatchObject({
      action: 'clear-canary',
      by: 'alarm:a',
    });
  });
});
