import { describe, expect, it } from '@jest/globals';
import ort from 'onnxruntime-node';
import { inspectModel } from '../../../core/inference/runtime.js';
import { convModel, lookupModel } from '../../../tools/onnx-models.js';

describe('convModel', () => {
  it('takes a 1x3x224x224 image and returns 16 features', async () => {
    // Act
    const signature = await inspectModel(convModel());
    // Assess
    expect(signature).toEqual({
      inputs: [{ name: 'image', datatype: 'FP32', shape: [1, 3, 224, 224] }],
      outputs: [{ name: 'features', datatype: 'FP32', shape: [1, 16] }],
    });
  });
});

describe('lookupModel', () => {
  it('is about as large as asked and returns one of its weights', async () => {
    // Prepare
    const bytes = lookupModel(64 * 1024, 3);
    const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'all' });
    // Act
    const out = await session.run({ index: new ort.Tensor('int64', BigInt64Array.of(5n), [1]) });
    // Assess
    expect(bytes.byteLength).toBeGreaterThanOrEqual(64 * 1024);
    expect(bytes.byteLength).toBeLessThan(65 * 1024);
    const value = out.value as ort.Tensor;
    expect(value.dims).toEqual([1]);
    expect(Math.abs((value.data as Float32Array)[0]!)).toBeLessThanOrEqual(1);
  });

  it('gives different bytes for different seeds', () => {
    expect(Buffer.from(lookupModel(1024, 1)).equals(Buffer.from(lookupModel(1024, 2)))).toBe(false);
  });
});
