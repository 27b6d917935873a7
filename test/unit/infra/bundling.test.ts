import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { build } from 'esbuild';
import { FUNCTION_BUNDLING } from '../../../infra/bundling.js';
import { LAYER_MODULES } from '../../../layers/onnxruntime/build-layer.js';
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
        bundle: true,
        platform: 'node',
        format: FUNCTION_BUNDLING.format,
        target: 'node20',
        mainFields: [...FUNCTION_BUNDLING.mainFields],
        banner: { js: FUNCTION_BUNDLING.banner },
        minify,
        keepNames: FUNCTION_BUNDLING.keepNames,
        external: [...LAYER_MODULES],
        entryPoints: ENTRIES.map((name) => join(ROOT, 'functions', `${name}.ts`)),
        outExtension: { '.js': '.mjs' },
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
