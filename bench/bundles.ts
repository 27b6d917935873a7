// Cold start and memory are measured on code loaded the way Lambda loads it: one esbuild bundle per
// entry, plain JavaScript, onnxruntime-node left outside (on Lambda a layer supplies it). tsx would add
// its own loader and transpilation to every import and make both numbers about tsx.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type BuildOptions, build } from 'esbuild';
import { FUNCTION_BUNDLING } from '../infra/bundling.js';
import { LAYER_MODULES } from '../layers/onnxruntime/build-layer.js';
import { ROOT } from './processes.js';

export interface Bundles {
  /** functions/inference.ts, as the inference Lambda function runs it. */
  readonly handler: string;
  readonly coldMaas: string;
  readonly coldRaw: string;
  readonly coldFloor: string;
  /** The AWS SDK clients and maas's model reader, which coldFloor imports and times. */
  readonly floorStore: string;
  readonly memoryMaas: string;
  readonly memoryRaw: string;
  remove(): Promise<void>;
}

/** HandlerFunction's bundling (infra/bundling.ts), for the Node this machine has (20; Lambda runs 22). */
export const LAMBDA_BUNDLING = {
  bundle: true,
  platform: 'node',
  format: FUNCTION_BUNDLING.format,
  target: 'node20',
  mainFields: [...FUNCTION_BUNDLING.mainFields],
  banner: { js: FUNCTION_BUNDLING.banner },
  minify: FUNCTION_BUNDLING.minify,
  sourcemap: FUNCTION_BUNDLING.sourceMap,
  keepNames: FUNCTION_BUNDLING.keepNames,
  outExtension: { '.js': '.mjs' },
  external: [...LAYER_MODULES],
  logLevel: 'warning',
} satisfies BuildOptions;

/** The environment a function's process starts with, on top of its settings: no Node options of ours. */
export const FUNCTION_PROCESS_ENV = { NODE_OPTIONS: '' };

export async function buildBundles(): Promise<Bundles> {
  // Inside node_modules, so the bundles' bare import of onnxruntime-node resolves as it does on Lambda
  // through the layer; the directory name is unique, so concurrent runs never share one.
  const cache = join(ROOT, 'node_modules', '.cache');
  await mkdir(cache, { recursive: true });
  const dir = await mkdtemp(join(cache, 'maas-bench-'));
  const remove = () => rm(dir, { recursive: true, force: true });
  // A failed build (a syntax error in the code measured) leaves no folder behind either.
  await build({
    ...LAMBDA_BUNDLING,
    entryPoints: {
      inference: join(ROOT, 'functions', 'inference.ts'),
      'cold-maas': join(ROOT, 'bench', 'children', 'cold-maas.ts'),
      'cold-raw': join(ROOT, 'bench', 'children', 'cold-raw.ts'),
      'cold-floor': join(ROOT, 'bench', 'children', 'cold-floor.ts'),
      'floor-store': join(ROOT, 'bench', 'children', 'floor-store.ts'),
      'memory-maas': join(ROOT, 'bench', 'children', 'memory-maas.ts'),
      'memory-raw': join(ROOT, 'bench', 'children', 'memory-raw.ts'),
    },
    outdir: dir,
  }).catch(async (error: unknown) => {
    await remove();
    throw error;
  });
  const file = (name: string) => join(dir, `${name}.mjs`);
  return {
    handler: file('inference'),
    coldMaas: file('cold-maas'),
    coldRaw: file('cold-raw'),
    coldFloor: file('cold-floor'),
    floorStore: file('floor-store'),
    memoryMaas: file('memory-maas'),
    memoryRaw: file('memory-raw'),
    remove,
  };
}
