/**
 * How every function's code is built and started: NodejsFunction's esbuild options, in one place so
 * the benchmark (bench/bundles.ts) measures cold starts and memory on the very bundle Lambda runs.
 */
export const FUNCTION_BUNDLING = {
  format: 'esm',
  // ESM builds of the AWS SDK where packages ship them: a faster import than their CommonJS builds.
  mainFields: ['module', 'main'],
  // Bundles are ESM, but CJS dependencies (the X-Ray SDK under Powertools' tracer) still call require().
  banner:
    "import { createRequire } from 'node:module';const require = createRequire(import.meta.url);",
  minify: true,
  // No source map: Node reads and indexes it when the bundle loads, which measured 30 ms of every cold
  // start (191 against 221 ms to import; docs/benchmarks.md). keepNames keeps function names in stack traces.
  sourceMap: false,
  keepNames: true,
} as const;
