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
    logSeverityLevel: 4, // fatal only, as runtime.ts opens every session; errors still throw
    // onnxruntime's workers otherwise spin for a while after each operator, waiting for more work.
    // maas runs one model call per request with JavaScript work around it (decoding, encoding, other
    // requests), and on the one or two vCPUs a function has, spinning workers take the CPU that work
    // needs: measured in bench/, both the request handling and the runs themselves were slower.
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  };
}
