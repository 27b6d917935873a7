// Cold start and memory are measured on code loaded the way Lambda loads it: one esbuild bundle per
// entry, plain JavaScript, onnxruntime-node left outside (on Lambda a layer supplies it). tsx would add
// its own loader and transpilation to every import and make both numbers about tsx.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type BuildOptions, build } from 'esbuild';
import { ROOT } from './processes.js';

export interface Bundles {
  /** functions/inference.ts, as the inference Lambda function runs it. */
  readonly handler: string;
  readonly coldMaas: string;
  readonly coldRaw: string;
  readonly memoryMaas: string;
  readonly memoryRaw: string;
  remove(): Promise<void>;
}

/** The bundling STYLE.md gives HandlerFunction (NodejsFunction's esbuild options). */
const LAMBDA_BUNDLING = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outExtension: { '.js': '.mjs' },
  keepNames: true,
  external: ['onnxruntime-node'],
  // the X-Ray SDK under the tracer still calls require(), which ESM does not define
  banner: {
    js: "import { createRequire } from 'node:module';const require = createRequire(import.meta.url);",
  },
  logLevel: 'warning',
} satisfies BuildOptions;

export async function buildBundles(): Promise<Bundles> {
  // Inside node_modules, so the bundles' bare import of onnxruntime-node resolves as it does on Lambda
  // through the layer; the directory name is unique, so concurrent runs never share one.
  const cache = join(ROOT, 'node_modules', '.cache');
  await mkdir(cache, { recursive: true });
  const dir = await mkdtemp(join(cache, 'maas-bench-'));
  await build({
    ...LAMBDA_BUNDLING,
    entryPoints: {
      inference: join(ROOT, 'functions', 'inference.ts'),
      'cold-maas': join(ROOT, 'bench', 'children', 'cold-maas.ts'),
      'cold-raw': join(ROOT, 'bench', 'children', 'cold-raw.ts'),
      'memory-maas': join(ROOT, 'bench', 'children', 'memory-maas.ts'),
      'memory-raw': join(ROOT, 'bench', 'children', 'memory-raw.ts'),
    },
    outdir: dir,
  });
  const file = (name: string) => join(dir, `${name}.mjs`);
  return {
    handler: file('inference'),
    coldMaas: file('cold-maas'),
    coldRaw: file('cold-raw'),
    memoryMaas: file('memory-maas'),
    memoryRaw: file('memory-raw'),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
