import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { traced, tracer } from '../../../functions/shared/powertools.js';

type Segment = Parameters<typeof tracer.setSegment>[0];

describe('traced', () => {
  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('runs the work in a subsegment of the current segment when tracing is on, and restores the parent', async () => {
    // Prepare: a fake segment, as X-Ray gives the handler in Lambda
    const subsegment = { close: jest.fn(), addError: jest.fn() };
    const parent = { addNewSubsegment: jest.fn(() => subsegment) };
    jest.spyOn(tracer, 'isTracingEnabled').mockReturnValue(true);
    jest.spyOn(tracer, 'getSegment').mockReturnValue(parent as unknown as Segment);
    const setSegment = jest.spyOn(tracer, 'setSegment').mockImplementation(() => {});
    // Act
    const result = await traced('load model m@1', async () => 'loaded');
    await expect(
      traced('load model m@2', async () => Promise.reject(new Error('no bytes'))),
    ).rejects.toThrow('no bytes');
    // Assess
    expect(result).toBe('loaded');
    expect(parent.addNewSubsegment).toHaveBeenCalledWith('## load model m@1');
    expect(subsegment.close).toHaveBeenCalledTimes(2);
    expect(subsegment.addError).toHaveBeenCalledWith(new Error('no bytes'));
    expect(setSegment.mock.calls.map(([s]) => s)).toEqual([
      subsegment,
      parent,
      subsegment,
      parent,
    ] as unknown as Segment[]);
  });

  it('just runs the work when tracing is off (locally)', async () => {
    expect(await traced('anything', async () => 42)).toBe(42);
  });
});
