import { describe, expect, it, jest } from '@jest/globals';
import { traced, tracer, traceWith } from '../../../functions/shared/powertools.js';

describe('traceWith', () => {
  it('runs the work in a subsegment of the current segment when tracing is on, and restores the parent', async () => {
    // Prepare: a fake tracer and segment, as the X-Ray SDK gives them in Lambda
    const subsegment = { close: jest.fn(), addError: jest.fn() };
    const parent = { addNewSubsegment: jest.fn(() => subsegment) };
    const setSegment = jest.fn();
    const fake = { isTracingEnabled: () => true, getSegment: () => parent, setSegment };
    const trace = traceWith(fake as unknown as Parameters<typeof traceWith>[0]);
    // Act
    const result = await trace('load model m@1', async () => 'loaded');
    await expect(
      trace('load model m@2', async () => Promise.reject(new Error('no bytes'))),
    ).rejects.toThrow('no bytes');
    // Assess
    expect(result).toBe('loaded');
    expect(parent.addNewSubsegment).toHaveBeenCalledWith('## load model m@1');
    expect(subsegment.close).toHaveBeenCalledTimes(2);
    expect(subsegment.addError).toHaveBeenCalledWith(new Error('no bytes'));
    expect(setSegment.mock.calls.map(([s]) => s)).toEqual([subsegment, parent, subsegment, parent]);
  });

  it('loads no tracer outside Lambda, and then just runs the work', async () => {
    expect(tracer).toBeUndefined(); // so the X-Ray SDK's async hooks are not installed here
    expect(await traced('anything', async () => 42)).toBe(42);
  });
});
