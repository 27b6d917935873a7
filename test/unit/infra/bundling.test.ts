import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { build } from 'esbuild';
import { LAMBDA_BUNDLING } from '../../../bench/bundles.js';
import { ROOT } from '../../helpers/processes.js';

const run = promisify(execFile);
const ENTRIES = ['inference', 'authorizer', 'auto-rollback'];

describe('function bundling', () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'maas-bundling-'));
  });
  afterAll(() => rm(work, { recursive: true, force: true }));

  // The banner is text esbuild does not read: a name the bundle declares too (createRequire, once
  // imported unaliased in core/inference/layer-modules.ts) is a SyntaxError at load, which minified
  // names only happened to avoid.
  it.each([true, false])(
    'gives bundles that Node can load, minified: %s',
    async (minify) => {
      // Prepare
      const outdir = join(work, String(minify));
      // Act
      await build({
        ...LAMBDA_BUNDLING,
        minify,
        entryPoints: ENTRIES.map((name) => join(ROOT, 'functions', `${name}.ts`)),
        outdir,
        logLevel: 'silent',
      });
      // Assess: --check compiles each bundle without running it.
      for (const name of ENTRIES) {
        await expect(
          run(process.execPath, ['--check', join(outdir, `${name}.mjs`)]),
        ).resolves.toBeDefined();
      }
    },
    60_000,
  );
});
