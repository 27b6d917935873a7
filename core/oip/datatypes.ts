/**
 * The Open Inference Protocol's tensor datatypes that ONNX Runtime runs: their element size, the typed
 * array that holds them, and their names in ONNX Runtime and ONNX. Every other module derives what it needs from here.
 */
type TypedArrayCtor =
  | Uint8ArrayConstructor
  | Int8ArrayConstructor
  | Uint16ArrayConstructor
  | Int16ArrayConstructor
  | Uint32ArrayConstructor
  | Int32ArrayConstructor
  | BigUint64ArrayConstructor
  | BigInt64ArrayConstructor
  | Float32ArrayConstructor
  | Float64ArrayConstructor;

/** How a JSON element becomes a stored value. */
export type ValueKind = 'bool' | 'int' | 'bigint' | 'float' | 'half' | 'string';

export interface DatatypeInfo {
  /** Bytes per element; undefined for BYTES, whose elements have their own lengths. */
  readonly bytes: number | undefined;
  readonly array: TypedArrayCtor | undefined;
  readonly ort: string;
  /** ONNX's TensorProto.DataType number. */
  readonly onnx: number;
  readonly kind: ValueKind;
  /**
   * Inclusive range for integer kinds; for floats, ± the largest finite value (a JSON number that
   * rounds beyond it, to ±Infinity, is out of range; one that rounds to it is not).
   */
  readonly min?: number | bigint;
  readonly max?: number | bigint;
}

export const DATATYPES = {
  BOOL: { bytes: 1, array: Uint8Array, ort: 'bool', onnx: 9, kind: 'bool' },
  UINT8: { bytes: 1, array: Uint8Array, ort: 'uint8', onnx: 2, kind: 'int', min: 0, max: 0xff },
  UINT16: {
    bytes: 2,
    array: Uint16Array,
    ort: 'uint16',
    onnx: 4,
    kind: 'int',
    min: 0,
    max: 0xffff,
  },
  UINT32: {
    bytes: 4,
    array: Uint32Array,
    ort: 'uint32',
    onnx: 12,
    kind: 'int',
    min: 0,
    max: 0xffff_ffff,
  },
  UINT64: {
    bytes: 8,
    array: BigUint64Array,
    ort: 'uint64',
    onnx: 13,
    kind: 'bigint',
    min: 0n,
    max: 2n ** 64n - 1n,
  },
  INT8: { bytes: 1, array: Int8Array, ort: 'int8', onnx: 3, kind: 'int', min: -0x80, max: 0x7f },
  INT16: {
    bytes: 2,
    array: Int16Array,
    ort: 'int16',
    onnx: 5,
    kind: 'int',
    min: -0x8000,
    max: 0x7fff,
  },
  INT32: {
    bytes: 4,
    array: Int32Array,
    ort: 'int32',
    onnx: 6,
    kind: 'int',
    min: -(2 ** 31),
    max: 2 ** 31 - 1,
  },
  INT64: {
    bytes: 8,
    array: BigInt64Array,
    ort: 'int64',
    onnx: 7,
    kind: 'bigint',
    min: -(2n ** 63n),
    max: 2n ** 63n - 1n,
  },
  // ONNX Runtime's JS API holds float16 as raw IEEE half bits in a Uint16Array.
  FP16: {
    bytes: 2,
    array: Uint16Array,
    ort: 'float16',
    onnx: 10,
    kind: 'half',
    min: -65504,
    max: 65504,
  },
  FP32: {
    bytes: 4,
    array: Float32Array,
    ort: 'float32',
    onnx: 1,
    kind: 'float',
    min: -3.4028234663852886e38,
    max: 3.4028234663852886e38,
  },
  FP64: {
    bytes: 8,
    array: Float64Array,
    ort: 'float64',
    onnx: 11,
    kind: 'float',
    min: -Number.MAX_VALUE,
    max: Number.MAX_VALUE,
  },
  // Variable length, so no fixed size; ONNX Runtime holds them as JS strings.
  BYTES: { bytes: undefined, array: undefined, ort: 'string', onnx: 8, kind: 'string' },
} as const satisfies Record<string, DatatypeInfo>;

export type Datatype = keyof typeof DATATYPES;

export const DATATYPE_NAMES = Object.keys(DATATYPES) as [Datatype, ...Datatype[]];

const BY_ORT = new Map<string, Datatype>(DATATYPE_NAMES.map((name) => [DATATYPES[name].ort, name]));

/** The protocol datatype for an ONNX Runtime element type, or undefined when maas cannot serve it. */
export function datatypeOfOrt(ortType: string): Datatype | undefined {
  return BY_ORT.get(ortType);
}

export function isDatatype(name: unknown): name is Datatype {
  return typeof name === 'string' && Object.hasOwn(DATATYPES, name);
}
