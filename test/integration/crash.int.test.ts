import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createClients } from '../../core/clients.js';
import { loadConfig } from '../../core/config.js';
import { readModelBytes } from '../../core/models/artifacts.js';
import { listModels, listVersions } from '../../core/models/registry.js';
import { readLocalState } from '../../local/home.js';
import { LOCAL_RESOURCES, localEnv } from '../../local/seed.js';
import { largeModel } from '../../tools/onnx-models.js';
import { exited, runTs, type Started, spawnTs, waitForOutput } from '../helpers/processes.js';

describe('npm start killed with SIGKILL in the middle of a push', () => {
  let home: string;
  let server: Started | undefined;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'maas-crash-'));
  });
  afterAll(async () => {
    server?.child.kill('SIGKILL');
    await rm(home, { recursive: true, force: true });
  });

  const start = async () => {
    server = spawnTs('local/main.ts', [], { MAAS_HOME: home, PORT: '0' });
    await waitForOutput(server, /maas listening on http:\/\/127\.0\.0\.1:\d+/);
  };

  it('restarts with every listed version complete and readable', async () => {
    // Prepare: a running stack and a model big enough to upload in many parts
    await start();
    const file = join(home, 'big.onnx');
    await writeFile(file, largeModel(160 * 1024 * 1024, 7));
    expect(
      (
        await runTs(
          'bin/maas.js',
          ['models', 'push', 'small', 'test/fixtures/models/add-sub.onnx', '--local'],
          { MAAS_HOME: home },
        )
      ).code,
    ).toBe(0);

    // Act: kill the stack once the big upload is under way
    const push = spawnTs('bin/maas.js', ['models', 'push', 'big', file, '--local'], {
      MAAS_HOME: home,
    });
    await waitForOutput(push, /uploading big .*\((2[5-9]|[3-9]\d)%\)/, 60_000);
    server!.child.kill('SIGKILL');
    await exited(server!.child);
    const pushCode = await exited(push.child);
    await start();

    // Assess: the push failed loudly; everything listed is whole
    console.info(
      `push after SIGKILL: exit ${pushCode}: ${push.output().trim().split('\n').at(-1)}`,
    );
    expect(pushCode).not.toBe(0);
    expect(push.output()).toMatch(/^maas: /m);
    const state = await readLocalState(home);
    const clients = createClients(loadConfig(localEnv(state!)));
    const deps = { ...clients, ...LOCAL_RESOURCES };
    const names = (await listModels(deps)).map((m) => m.name);
    expect(names).toContain('small');
    let checked = 0;
    for (const name of names) {
      for (const version of await listVersions(deps, name)) {
        const bytes = await readModelBytes(deps, version.objectKey, version.size, version.sha256);
        expect(bytes.byteLength).toBe(version.size);
        checked++;
      }
    }
    console.info(`after restart: ${checked} versions of ${names.join(', ')}, all whole`);
    expect(checked).toBeGreaterThanOrEqual(2); // the demo model and 'small' at least
    clients.s3.destroy();
    clients.dynamodb.destroy();
  }, 180_000);
});
