import type { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from '@jest/globals';
import { PART_SIZE, readModelBytes } from '../../../../core/models/artifacts.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Error path of a model's fetch, with a fake S3: when one range fails, the others stop.
describe('a model fetch whose first range fails', () => {
  it('sends no more ranges, stops those in flight, and fails only once they have stopped', async () => {
    const ranges = 12;
    let sent = 0;
    let running = 0;
    const s3 = {
      send: async (
        command: { input: { Range?: string } },
        options?: { abortSignal?: AbortSignal },
      ) => {
        sent++;
        if (command.input.Range?.startsWith('bytes=0-')) {
          await sleep(5);
          throw Object.assign(new Error('Please reduce your request rate.'), { name: 'SlowDown' });
        }
        running++;
        try {
          // A slow range, which gives up when told to, as the SDK's request does.
          await new Promise<void>((resolve, reject) => {
            const timer = setTimeout(resolve, 5_000);
            options?.abortSignal?.addEventListener('abort', () => {
              clearTimeout(timer);
              reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
            });
          });
          return { Body: [Buffer.alloc(PART_SIZE)] };
        } finally {
          running--;
        }
      },
    } as unknown as S3Client;

    const started = Date.now();
    const failed = await readModelBytes(
      { s3, modelBucket: 'b' },
      'models/m/x.onnx',
      ranges * PART_SIZE,
      '0'.repeat(64),
    ).catch((error: unknown) => error);
    expect((failed as Error).name).toBe('SlowDown'); // the first failure, not the aborts after it
    expect(running).toBe(0); // nothing still writing into the buffer
    expect(Date.now() - started).toBeLessThan(2_000); // the slow ranges were stopped, not awaited
    const sentThen = sent;
    expect(sentThen).toBeLessThan(ranges);
    await sleep(50);
    expect(sent).toBe(sentThen);
  });
});
