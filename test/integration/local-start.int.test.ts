import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { exited, ROOT, runTs, type Started, spawnTs, waitForOutput } from '../helpers/processes.js';

// `npm start` runs local/main.ts with tsx's loader; running the entry point directly skips npm's own
// start-up, except where npm's handling of signals is the point.
describe('npm start (local/main.ts)', () => {
  let home: string;
  let running: Started | undefined;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'maas-home-'));
  });
  afterAll(async () => {
    running?.child.kill('SIGKILL');
    // A server npm started runs in npm's process group: it goes too, should a test have failed.
    if (running?.child.pid !== undefined) {
      try {
        process.kill(-running.child.pid, 'SIGKILL');
      } catch {
        // no such group: it was not started in one
      }
    }
    await rm(home, { recursive: true, force: true });
  });

  const start = async () => {
    running = spawnTs('local/main.ts', [], { MAAS_HOME: home, PORT: '0' });
    const [, url] = await waitForOutput(running, /maas listening on (http:\/\/127\.0\.0\.1:\d+)/);
    await waitForOutput(running, /Ctrl-C stops it/); // the last line of the greeting: all of it is out
    return url as string;
  };
  const stop = async () => {
    running?.child.kill('SIGTERM');
    const code = await exited(running!.child);
    running = undefined;
    return code;
  };
  const maas = (...args: string[]) => runTs('bin/maas.js', args, { MAAS_HOME: home });
  const ready = async (url: string) => {
    const key = (await readFile(join(home, 'api-key'), 'utf8')).trim();
    return fetch(`${url}/v2/health/ready`, { headers: { authorization: `Bearer ${key}` } });
  };

  it('boots from a clean MAAS_HOME, serves, and restarts with its data intact', async () => {
    // Prepare: a first start creates the store, the key and the demo model
    const first = await start();
    expect(running!.output()).toContain(`${first}/v2/models/demo/infer`);
    expect((await ready(first)).status).toBe(200);
    expect((await stat(join(home, 'api-key'))).mode & 0o777).toBe(0o600);
    expect((await stat(home)).mode & 0o777).toBe(0o700); // the models' bytes are in there too
    const state = JSON.parse(await readFile(join(home, 'local.json'), 'utf8'));
    expect(state).toMatchObject({ url: first, pid: running!.child.pid });
    const pushed = await maas(
      'models',
      'push',
      'second',
      'test/fixtures/models/identity-int32.onnx',
      '--local',
      '--json',
    );
    expect(pushed.code).toBe(0);

    // Act: stop cleanly, then start again from the same home
    expect(await stop()).toBe(0);
    await expect(stat(join(home, 'local.json'))).rejects.toThrow();
    const second = await start();

    // Assess: same key, both models still listed and servable
    expect((await ready(second)).status).toBe(200);
    expect(running!.output()).not.toContain('(new)');
    const list = await maas('models', 'list', '--local', '--json');
    expect(list.code).toBe(0);
    const names = (JSON.parse(list.output) as { name: string }[]).map((m) => m.name);
    expect(names).toEqual(['demo', 'second']);
    expect(await stop()).toBe(0);
  }, 120_000);

  it('stops cleanly through npm: Ctrl-C (the group gets SIGINT, npm passes it on), and SIGTERM to npm', async () => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      // Its own process group, as a terminal's foreground job has.
      const child = spawn('npm', ['start', '--silent'], {
        cwd: ROOT,
        env: { ...process.env, MAAS_HOME: home, PORT: '0' },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      let text = '';
      for (const stream of [child.stdout, child.stderr])
        stream?.on('data', (chunk: Buffer) => {
          text += chunk.toString();
        });
      running = { child, output: () => text };
      await waitForOutput(running, /Ctrl-C stops it/);
      const pid = child.pid as number;
      if (signal === 'SIGINT')
        process.kill(-pid, 'SIGINT'); // what Ctrl-C does
      else process.kill(pid, 'SIGTERM'); // npm's own process only
      await exited(child);
      // The server finished, not npm alone: it said so, and left no state claiming it still runs.
      await waitForOutput(running, /maas: stopped/, 10_000);
      expect(text).not.toContain('stopping now, without waiting');
      await expect(stat(join(home, 'local.json'))).rejects.toThrow();
      running = undefined;
    }
  }, 120_000);

  it('lets exactly one of two starts at once go on, and refuses the other plainly', async () => {
    const both = [1, 2].map(() => spawnTs('local/main.ts', [], { MAAS_HOME: home, PORT: '0' }));
    const outcome = await Promise.race(
      both.map(async (started, i) => ({ i, code: await exited(started.child) })),
    );
    const winner = both[1 - outcome.i] as Started;
    running = winner;
    expect(outcome.code).toBe(1);
    expect(both[outcome.i]?.output()).toMatch(/^maas: maas is already (starting|running) from /);
    await waitForOutput(winner, /Ctrl-C stops it/);
    expect(await stop()).toBe(0);
    await expect(stat(join(home, 'lock'))).rejects.toThrow(); // given up on the way out
  }, 120_000);

  it('refuses a second start from the same MAAS_HOME while one is running', async () => {
    await start();
    const second = await runTs('local/main.ts', [], { MAAS_HOME: home, PORT: '0' });
    expect(second.code).toBe(1);
    expect(second.output).toMatch(/already running from .* at http:\/\/127\.0\.0\.1:\d+/);
    expect(await stop()).toBe(0);
  }, 120_000);
});
