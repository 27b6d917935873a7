import type { Bundles } from './bundles.js';
import type { BenchStore } from './store.js';

/** What every scenario family gets from bench/main.ts. */
export interface BenchContext {
  /** --quick: every scenario, briefly (to check the bench works, not to quote its numbers). */
  readonly quick: boolean;
  readonly store: BenchStore;
  /** A temporary directory for model files and request bodies; removed at the end. */
  readonly workDir: string;
  /** The Lambda-style bundles for the children that must start like Lambda does; built once. */
  readonly bundles: () => Promise<Bundles>;
}
