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

function walk(
  bytes: Uint8Array,
  start: number,
  end: number,
  kind: Kind,
): ExternalTensor | undefined {
  if (kind === 'tensor') return tensorAt(bytes, start, end);
  const children: Record<number, Kind> = CHILDREN[kind];
  const reader = new Reader(bytes, start, end);
  while (reader.more()) {
    const { field, wire } = reader.key();
    if (wire !== LENGTH_DELIMITED) {
      reader.skip(wire);
      continue;
    }
    const length = reader.varint();
    const at = reader.take(length);
    const child = children[field];
    if (child === undefined) continue;
    const found = walk(bytes, at, at + length, child);
    if (found !== undefined) return found;
  }
  return undefined;
}

function tensorAt(bytes: Uint8Array, start: number, end: number): ExternalTensor | undefined {
  const reader = new Reader(bytes, start, end);
  let name = '';
  let external = false;
  let location = '';
  while (reader.more()) {
    const { field, wire } = reader.key();
    if (field === DATA_LOCATION && wire === VARINT) {
      if (reader.varint() === EXTERNAL) external = true;
    } else if (wire === LENGTH_DELIMITED) {
      const length = reader.varint();
      const at = reader.take(length);
      if (field === TENSOR_NAME) name = text(bytes, at, at + length);
      else if (field === EXTERNAL_DATA) {
        external = true;
        const entry = entryAt(bytes, at, at + length);
        if (entry.key === 'location') location = entry.value;
      }
    } else reader.skip(wire);
  }
  return external ? { tensor: name, location } : undefined;
}

function entryAt(bytes: Uint8Array, start: number, end: number): { key: string; value: string } {
  const reader = new Reader(bytes, start, end);
  let key = '';
  let value = '';
  while (reader.more()) {
    const { field, wire } = reader.key();
    if (wire !== LENGTH_DELIMITED) {
      reader.skip(wire);
      continue;
    }
    const length = reader.varint();
    const at = reader.take(length);
    if (field === 1) key = text(bytes, at, at + length);
    else if (field === 2) value = text(bytes, at, at + length);
  }
  return { key, value };
}

function text(bytes: Uint8Array, start: number, end: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('utf8');
}

const VARINT = 0;
const FIXED64 = 1;
const LENGTH_DELIMITED = 2;
const FIXED32 = 5;

/** Protobuf's wire format over part of a buffer; anything malformed throws. */
class Reader {
  #pos: number;
  readonly #bytes: Uint8Array;
  readonly #end: number;

  constructor(bytes: Uint8Array, start: number, end: number) {
    this.#bytes = bytes;
    this.#pos = start;
    this.#end = end;
  }

  more(): boolean {
    return this.#pos < this.#end;
  }

  key(): { field: number; wire: number } {
    const key = this.varint();
    return { field: Math.floor(key / 8), wire: key % 8 };
  }

  /** A varint as a number: exact up to 2^53, which every length and field number here is. */
  varint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.#pos >= this.#end) throw new Error('truncated varint');
      const byte = this.#bytes[this.#pos++] as number;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 128;
    }
    throw new Error('varint too long');
  }

  /** Steps over `length` bytes; returns where they start. */
  take(length: number): number {
    const at = this.#pos;
    if (length > this.#end - at) throw new Error('truncated field');
    this.#pos = at + length;
    return at;
  }

  skip(wire: number): void {
    if (wire === VARINT) this.varint();
    else if (wire === FIXED64) this.take(8);
    else if (wire === FIXED32) this.take(4);
    else if (wire === LENGTH_DELIMITED) this.take(this.varint());
    else throw new Error(`wire type ${wire}`); // groups: not in ONNX
  }
}
