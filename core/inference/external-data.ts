/**
 * ONNX lets a tensor keep its data in a file beside the model (`external_data`). maas opens a model
 * from its bytes alone, and onnxruntime would read such a file relative to the process's working
 * directory: whatever lies there (a local stack's API key, say) would become the model's weights and
 * come back in its outputs. So a model that names one is refused; this finds such a tensor without a
 * protobuf library, reading only the fields that can lead to a tensor.
 */

/** Where a message's tensors can be: each field number that holds a message, and that message's kind. */
const CHILDREN = {
  // ModelProto: graph, training_info, functions
  model: { 7: 'graph', 20: 'training', 25: 'function' },
  // TrainingInfoProto: initialization, algorithm
  training: { 1: 'graph', 2: 'graph' },
  // FunctionProto: node
  function: { 7: 'node' },
  // GraphProto: node, initializer, sparse_initializer
  graph: { 1: 'node', 5: 'tensor', 15: 'sparse' },
  // NodeProto: attribute
  node: { 5: 'attribute' },
  // AttributeProto: t, g, tensors, graphs, sparse_tensor, sparse_tensors
  attribute: { 5: 'tensor', 6: 'graph', 10: 'tensor', 11: 'graph', 22: 'sparse', 23: 'sparse' },
  // SparseTensorProto: values, indices
  sparse: { 1: 'tensor', 2: 'tensor' },
} as const satisfies Record<string, Record<number, string>>;

type Kind = keyof typeof CHILDREN | 'tensor';

// TensorProto's fields that say where its data is.
const TENSOR_NAME = 8;
const EXTERNAL_DATA = 13; // repeated StringStringEntryProto (key 1, value 2)
const DATA_LOCATION = 14; // EXTERNAL = 1
const EXTERNAL = 1;

export interface ExternalTensor {
  readonly tensor: string;
  /** The file it names ('location'), as written in the model. */
  readonly location: string;
}

/**
 * The first tensor of a model that keeps its data outside the model's bytes; undefined when there is
 * none, or when the bytes are not a well-formed protobuf (onnxruntime refuses those itself).
 */
export function externalTensor(model: Uint8Array): ExternalTensor | undefined {
  try {
    return walk(model, 0, model.length, 'model');
  } catch {
    return undefined;
  }
}

// One synchronous walk at a time: the cursor is shared, and no object is made per field (a model like
// Silero has thousands of them; an object each cost most of the walk).
let pos = 0;

function walk(
  bytes: Uint8Array,
  start: number,
  end: number,
  kind: Kind,
): ExternalTensor | undefined {
  if (kind === 'tensor') return tensorAt(bytes, start, end);
  const children: Record<number, Kind> = CHILDREN[kind];
  pos = start;
  while (pos < end) {
    const key = varint(bytes, end);
    const wire = key % 8;
    if (wire !== LENGTH_DELIMITED) {
      skip(bytes, end, wire);
      continue;
    }
    const length = varint(bytes, end);
    const at = take(end, length);
    const child = children[Math.floor(key / 8)];
    if (child === undefined) continue;
    const found = walk(bytes, at, at + length, child);
    if (found !== undefined) return found;
    pos = at + length;
  }
  return undefined;
}

function tensorAt(bytes: Uint8Array, start: number, end: number): ExternalTensor | undefined {
  // Where the name and the location are, decoded only for a tensor that is external.
  let name = -1;
  let nameEnd = -1;
  let location = '';
  let external = false;
  pos = start;
  while (pos < end) {
    const key = varint(bytes, end);
    const field = Math.floor(key / 8);
    const wire = key % 8;
    if (field === DATA_LOCATION && wire === VARINT) {
      if (varint(bytes, end) === EXTERNAL) external = true;
    } else if (wire === LENGTH_DELIMITED) {
      const length = varint(bytes, end);
      const at = take(end, length);
      if (field === TENSOR_NAME) {
        name = at;
        nameEnd = at + length;
      } else if (field === EXTERNAL_DATA) {
        external = true;
        location = locationIn(bytes, at, at + length) ?? location;
        pos = at + length;
      }
    } else skip(bytes, end, wire);
  }
  if (!external) return undefined;
  return { tensor: name < 0 ? '' : text(bytes, name, nameEnd), location };
}

/** The value of a StringStringEntryProto (key 1, value 2) whose key is 'location'. */
function locationIn(bytes: Uint8Array, start: number, end: number): string | undefined {
  let key = '';
  let value = '';
  pos = start;
  while (pos < end) {
    const tag = varint(bytes, end);
    const wire = tag % 8;
    if (wire !== LENGTH_DELIMITED) {
      skip(bytes, end, wire);
      continue;
    }
    const length = varint(bytes, end);
    const at = take(end, length);
    const field = Math.floor(tag / 8);
    if (field === 1) key = text(bytes, at, at + length);
    else if (field === 2) value = text(bytes, at, at + length);
  }
  return key === 'location' ? value : undefined;
}

function text(bytes: Uint8Array, start: number, end: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('utf8');
}

const VARINT = 0;
const FIXED64 = 1;
const LENGTH_DELIMITED = 2;
const FIXED32 = 5;

// Protobuf's wire format at the cursor, within `end`; anything malformed throws.

/** A varint as a number: exact up to 2^53, which every length and field number here is. */
function varint(bytes: Uint8Array, end: number): number {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= end) throw new Error('truncated varint');
    const byte = bytes[pos++] as number;
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return value;
    scale *= 128;
  }
  throw new Error('varint too long');
}

/** Steps over `length` bytes; returns where they start. */
function take(end: number, length: number): number {
  const at = pos;
  if (length > end - at) throw new Error('truncated field');
  pos = at + length;
  return at;
}

function skip(bytes: Uint8Array, end: number, wire: number): void {
  if (wire === VARINT) varint(bytes, end);
  else if (wire === FIXED64) take(end, 8);
  else if (wire === FIXED32) take(end, 4);
  else if (wire === LENGTH_DELIMITED) take(end, varint(bytes, end));
  else throw new Error(`wire type ${wire}`); // groups: not in ONNX
}
