/**
 * Where a model's records and bytes live: the S3 key layout and the DynamoDB key shapes, in one place.
 *
 * models table (pk, sk):
 *   MODELS          / <name>                 one head per model: version counter, routing; a Query lists models
 *   MODEL#<name>    / VERSION#<0000000001>   an immutable version; zero-padded so sk order is version order
 *   MODEL#<name>    / SHA256#<hex>           claims a content hash for one version, so identical pushes dedupe;
 *                                            pushes and `maas gc` also coordinate over the bytes' object here
 *   MODEL#<name>    / CHANGE#<0000000001>    one routing change (history), by revision
 * bucket:
 *   models/<name>/<sha256>.onnx              content-addressed, so a retried upload rewrites identical bytes
 */
export const TABLE_KEY = { partition: 'pk', sort: 'sk' } as const;

export const HEADS_PARTITION = 'MODELS';
const VERSION_PREFIX = 'VERSION#';
const SHA_PREFIX = 'SHA256#';
const CHANGE_PREFIX = 'CHANGE#';

export interface TableKey {
  readonly pk: string;
  readonly sk: string;
}

export function headKey(name: string): TableKey {
  return { pk: HEADS_PARTITION, sk: name };
}

function modelPartition(name: string): string {
  return `MODEL#${name}`;
}

export function versionKey(name: string, version: number): TableKey {
  return { pk: modelPartition(name), sk: `${VERSION_PREFIX}${String(version).padStart(10, '0')}` };
}

/** The key condition that selects every version of a model, in version order. */
export function versionsQuery(name: string): { pk: string; skPrefix: string } {
  return { pk: modelPartition(name), skPrefix: VERSION_PREFIX };
}

export function changeKey(name: string, revision: number): TableKey {
  return { pk: modelPartition(name), sk: `${CHANGE_PREFIX}${String(revision).padStart(10, '0')}` };
}

/** The key condition that selects a model's routing history. */
export function changesQuery(name: string): { pk: string; skPrefix: string } {
  return { pk: modelPartition(name), skPrefix: CHANGE_PREFIX };
}

export function shaClaimKey(name: string, sha256: string): TableKey {
  return { pk: modelPartition(name), sk: `${SHA_PREFIX}${sha256}` };
}

export const OBJECT_PREFIX = 'models/';

export function objectKey(name: string, sha256: string): string {
  return `${OBJECT_PREFIX}${name}/${sha256}.onnx`;
}

const OBJECT_KEY_PATTERN = new RegExp(`^${OBJECT_PREFIX}([^/]+)/([0-9a-f]{64})\\.onnx$`);

/** The model and content hash an object key names, or undefined for a key outside the layout. */
export function parseObjectKey(key: string): { name: string; sha256: string } | undefined {
  const match = OBJECT_KEY_PATTERN.exec(key);
  return match?.[1] === undefined || match[2] === undefined
    ? undefined
    : { name: match[1], sha256: match[2] };
}
