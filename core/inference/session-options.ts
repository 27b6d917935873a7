import type { InferenceSession } from 'onnxruntime-node';

/**
 * How maas opens a model for serving: full graph optimisation, one inter-op thread (Lambda runs one
 * request at a time). Apart from runtime.ts so the benchmark's raw reference can open its sessions the
 * same way without loading maas; a type-only import keeps onnxruntime out of this module.
 */
export function servingSessionOptions(intraOpThreads: number): InferenceSession.SessionOptions {
  return {
    intraOpNumThreads: intraOpThreads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  };
}
