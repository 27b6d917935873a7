import { describe, expect, it } from '@jest/globals';
import { runtimeReason } from '../../../../core/inference/endpoints.js';

describe('runtimeReason', () => {
  it("keeps onnxruntime's explanation and drops its source paths and C++ signatures", () => {
    const error = new Error(
      "Non-zero status code returned while running Sub node. Name:'Sub_1' Status Message: /onnxruntime_src/onnxruntime/core/providers/cpu/math/element_wise_ops.h:563 void onnxruntime::BroadcastIterator::Init(ptrdiff_t, ptrdiff_t) axis == 1 || axis == largest was false. Attempting to broadcast an axis by a dimension other than 1. 2 by 3\n",
    );
    expect(runtimeReason(error)).toBe(
      "Non-zero status code returned while running Sub node. Name:'Sub_1' Status Message: axis == 1 || axis == largest was false. Attempting to broadcast an axis by a dimension other than 1. 2 by 3",
    );
  });

  it('leaves a message without internals as it is', () => {
    const message =
      '[ONNXRuntimeError] : 2 : INVALID_ARGUMENT : Got invalid dimensions for input: input';
    expect(runtimeReason(new Error(message))).toBe(message);
  });
});
