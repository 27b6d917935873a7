import { createHash } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { IntegrityError } from '../oip/errors.js';

export interface ArtifactDeps {
  readonly s3: S3Client;
  readonly modelBucket: string;
}

export interface Progress {
  readonly done: number;
  readonly total: number;
}

/** 8 MiB parts and ranges: S3's own multipart threshold, and small enough to retry cheaply. */
export const PART_SIZE = 8 * 1024 * 1024;
const PARALLEL_PARTS = 4;
const PARALLEL_RANGES = 8;

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Stores model bytes under their content-addressed key, each part checked by S3 against its MD5. The
 * bytes are written even when identical ones are already there: that refreshes the object's age, which
 * `maas gc` relies on to never remove the bytes of a push still in flight.
 */
export async function writeModelBytes(
  deps: ArtifactDeps,
  key: string,
  bytes: Uint8Array,
  sha256: string,
  onProgress: (progress: Progress) => void = () => {},
): Promise<void> {
  const total = bytes.byteLength;
  const common = {
    Bucket: deps.modelBucket,
    Key: key,
    Metadata: { sha256 },
    ContentType: 'application/octet-stream',
  };
  if (total <= PART_SIZE) {
    const md5 = md5Of(bytes);
    const out = await deps.s3.send(
      new PutObjectCommand({
        ...common,
        Body: bytes,
        ContentMD5: md5.base64,
        ContentLength: total,
      }),
    );
    checkEtag(out.ETag, out.ServerSideEncryption, md5.hex, key);
    onProgress({ done: total, total });
    return;
  }

  const { UploadId } = await deps.s3.send(new CreateMultipartUploadCommand(common));
  const partCount = Math.ceil(total / PART_SIZE);
  const etags: string[] = new Array(partCount);
  let done = 0;
  try {
    await forEachParallel(partCount, PARALLEL_PARTS, async (index, signal) => {
      const part = bytes.subarray(index * PART_SIZE, Math.min(total, (index + 1) * PART_SIZE));
      const md5 = md5Of(part);
      const out = await deps.s3.send(
        new UploadPartCommand({
          Bucket: deps.modelBucket,
          Key: key,
          UploadId,
          PartNumber: index + 1,
          Body: part,
          ContentMD5: md5.base64,
          ContentLength: part.byteLength,
        }),
        { abortSignal: signal },
      );
      checkEtag(out.ETag, out.ServerSideEncryption, md5.hex, `${key} part ${index + 1}`);
      etags[index] = out.ETag as string;
      done += part.byteLength;
      onProgress({ done, total });
    });
    await deps.s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: deps.modelBucket,
        Key: key,
        UploadId,
        MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
      }),
    );
  } catch (error) {
    // Parts of an unfinished upload are billed until aborted; best effort, the original error wins.
    await deps.s3
      .send(new AbortMultipartUploadCommand({ Bucket: deps.modelBucket, Key: key, UploadId }))
      .catch(() => {});
    throw error;
  }
  if (!(await isStored(deps, key, total, sha256))) {
    throw new IntegrityError(`upload of ${key} did not store ${total} bytes`);
  }
}

/**
 * Reads model bytes with parallel ranged GETs (one stream per 8 MiB), each streamed straight into the
 * one buffer the model needs, and refuses them unless they hash to the sha256 recorded at push time.
 * Ranges are hashed in order as they arrive, so the hash overlaps the download still in flight.
 */
export async function readModelBytes(
  deps: ArtifactDeps,
  key: string,
  size: number,
  sha256: string,
): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(size);
  const ranges = Math.max(1, Math.ceil(size / PART_SIZE));
  const bounds = (index: number): [number, number] => [
    index * PART_SIZE,
    Math.min(size, (index + 1) * PART_SIZE),
  ];
  const hash = createHash('sha256');
  const arrived: boolean[] = new Array(ranges).fill(false);
  let hashed = 0;
  await forEachParallel(ranges, PARALLEL_RANGES, async (index, signal) => {
    const [start, end] = bounds(index);
    const out = await deps.s3.send(
      new GetObjectCommand({
        Bucket: deps.modelBucket,
        Key: key,
        ...(ranges > 1 ? { Range: `bytes=${start}-${end - 1}` } : {}),
      }),
      { abortSignal: signal },
    );
    const filled = await streamInto(out.Body as AsyncIterable<Uint8Array>, buffer, start, end);
    if (filled !== end) {
      throw new IntegrityError(`model bytes at ${key} are not the ${size} bytes recorded`);
    }
    arrived[index] = true;
    for (; hashed < ranges && arrived[hashed]; hashed++) {
      hash.update(buffer.subarray(...bounds(hashed)));
    }
  });
  if (hash.digest('hex') !== sha256) {
    throw new IntegrityError(
      `model bytes at ${key} do not match their recorded sha256; refusing to serve them`,
    );
  }
  return buffer;
}

/**
 * Copies a response body into `buffer` from `start`, refusing to write past `end`; returns where it
 * stopped. No intermediate copy: a ranged body otherwise gathered whole before being copied costs
 * its size again in memory and a copy (measured in bench/: a tenth of a 100 MiB model's fetch).
 */
async function streamInto(
  body: AsyncIterable<Uint8Array>,
  buffer: Buffer,
  start: number,
  end: number,
): Promise<number> {
  let offset = start;
  for await (const chunk of body) {
    if (offset + chunk.byteLength > end) return offset + chunk.byteLength; // longer than recorded
    buffer.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return offset;
}

/** Whether the object holds bytes of this size stored with this sha256 (its content is checked on read). */
export async function isStored(
  deps: ArtifactDeps,
  key: string,
  size: number,
  sha256: string,
): Promise<boolean> {
  try {
    const head = await deps.s3.send(new HeadObjectCommand({ Bucket: deps.modelBucket, Key: key }));
    return head.ContentLength === size && head.Metadata?.sha256 === sha256;
  } catch (error) {
    if ((error as { name?: string }).name === 'NotFound') return false;
    throw error;
  }
}

/**
 * Whether the object holds exactly these bytes, read back and hashed as serving reads them. An object
 * changed after its push (overwritten, or damaged at rest) counts as not stored, so that pushing the
 * original file again repairs it.
 */
export async function holdsBytes(
  deps: ArtifactDeps,
  key: string,
  size: number,
  sha256: string,
): Promise<boolean> {
  if (!(await isStored(deps, key, size, sha256))) return false;
  try {
    await readModelBytes(deps, key, size, sha256);
    return true;
  } catch (error) {
    if (error instanceof IntegrityError || (error as Error).name === 'NoSuchKey') return false;
    throw error;
  }
}

function md5Of(bytes: Uint8Array): { hex: string; base64: string } {
  const digest = createHash('md5').update(bytes).digest();
  return { hex: digest.toString('hex'), base64: digest.toString('base64') };
}

/** S3 verifies Content-MD5 itself; the ETag check also covers stores that ignore it (s3rver). */
function checkEtag(
  etag: string | undefined,
  sse: string | undefined,
  md5Hex: string,
  what: string,
): void {
  // With KMS encryption S3's ETag is not the MD5 of the data, and S3 has already checked Content-MD5.
  if (sse?.startsWith('aws:kms')) return;
  if (etag?.replaceAll('"', '') !== md5Hex) {
    throw new IntegrityError(`upload of ${what} was stored with a different checksum`);
  }
}

/** Runs `task(0..count-1)` with at most `limit` in flight; the first failure rejects. */
/**
 * Runs task(0..count-1), `limit` at a time. The first failure stops it: no task starts after it, the
 * ones running are told through the signal (their requests aborted), and it returns, throwing that
 * failure, once they have all stopped, so nothing still writes into the caller's buffer afterwards.
 */
async function forEachParallel(
  count: number,
  limit: number,
  task: (index: number, signal: AbortSignal) => Promise<void>,
): Promise<void> {
  const stop = new AbortController();
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < count) {
      try {
        await task(next++, stop.signal);
      } catch (error) {
        failure ??= { error };
        stop.abort();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
  if (failure !== undefined) throw failure.error;
}
