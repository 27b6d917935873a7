import type { TensorSpec } from '../models/schemas.js';
import { DATATYPES, type Datatype, type DatatypeInfo, isDatatype } from './datatypes.js';
import { InvalidInputError, PayloadTooLargeError } from './errors.js';
import { fromHalfBits, toHalfBits } from './fp16.js';
import { TensorNumbers, UTF8 } from './json.js';
import { printFloats } from './number-print.js';
import type { RequestInput } from './schemas.js';
import type { Tensor, TensorData } from './tensor.js';

export interface TensorLimits {
  /** The most elements one tensor may declare: no request within the body limit can carry more. */
  readonly maxElements: number;
}

/**
 * Checks an input's datatype and shape against the model's signature and returns its element count.
 * The count is checked against the limit here, before anything is allocated for it.
 */
export function checkInput(input: RequestInput, spec: TensorSpec, limits: TensorLimits): number {
  const where = `input '${input.name}'`;
  if (!isDatatype(input.datatype))
    throw new InvalidInputError(`${where}: unknown datatype '${input.datatype}'`);
  if (input.datatype !== spec.datatype) {
    throw new InvalidInputError(
      `${where}: datatype ${input.datatype} does not match the model's ${spec.datatype}`,
    );
  }
  if (input.shape.length !== spec.shape.length) {
    throw new InvalidInputError(
      `${where}: shape [${input.shape}] has ${input.shape.length} dimensions; the model expects ${formatShape(spec.shape)}`,
    );
  }
  for (const [i, dim] of spec.shape.entries()) {
    if (dim !== -1 && input.shape[i] !== dim) {
      throw new InvalidInputError(
        `${where}: shape [${input.shape}] does not fit the model's ${formatShape(spec.shape)}`,
      );
    }
  }
  // No model runs on an empty tensor: onnxruntime aborts the whole process on some (Silero VAD's LSTM
  // with a batch of 0 calls std::terminate), and a native abort is beyond any catch. Checked over
  // every dimension before the count, so a 0 anywhere gets this answer whatever the others hold.
  const empty = input.shape.indexOf(0);
  if (empty !== -1) {
    throw new InvalidInputError(
      `${where}: shape [${input.shape}] has no elements (dimension ${empty} is 0); maas does not run a model on an empty tensor`,
    );
  }
  // Every dimension is at least 1 now, so the product only grows: checked as it grows, dims like
  // 2^40 x 2^40 never overflow. One dimension over the limit is named wherever it stands.
  let count = 1;
  for (const dim of input.shape) {
    count *= dim;
    if (count > limits.maxElements) {
      const huge = input.shape.findIndex((d) => d > limits.maxElements);
      const alone = huge === -1 ? '' : ` (dimension ${huge} alone is ${input.shape[huge]})`;
      throw new PayloadTooLargeError(
        `${where}: shape [${input.shape}] declares more than the ${limits.maxElements} elements a request may carry${alone}`,
      );
    }
  }
  return count;
}

/** Decodes an input's JSON `data` (flat row-major, or nested) straight into the array ONNX Runtime takes. */
export function decodeJsonData(input: RequestInput, datatype: Datatype, count: number): TensorData {
  const where = `input '${input.name}'`;
  const { data } = input;
  const info: DatatypeInfo = DATATYPES[datatype];
  if (data instanceof TensorNumbers && data.length === count) {
    // Scanned from the body by parseInferJson: no JS array of numbers in between.
    const floats = datatype === 'FP32' ? data.toFloat32() : undefined;
    if (floats !== undefined) return floats;
    // The very numbers JSON.parse would give, already flat: the checks below apply unchanged.
    if (data.exact && info.kind !== 'string') return fill(data.values, datatype, count, where);
  }
  const array = data instanceof TensorNumbers ? data.toArray() : data;
  if (!Array.isArray(array)) throw new InvalidInputError(`${where}: data must be an array`);
  const flat = isFlat(array) ? array : flatten(array, where);
  // Compared before allocating: the typed array is sized by data that exists, never by the shape alone.
  if (flat.length !== count) {
    throw new InvalidInputError(
      `${where}: data has ${flat.length} elements but shape [${input.shape}] needs ${count}`,
    );
  }
  return fill(flat, datatype, count, where);
}

function fill(
  flat: ArrayLike<unknown>,
  datatype: Datatype,
  count: number,
  where: string,
): TensorData {
  const info: DatatypeInfo = DATATYPES[datatype];
  switch (info.kind) {
    case 'float':
      return fillFloats(
        new (info.array as Float32ArrayConstructor)(count),
        flat,
        info,
        datatype,
        where,
      );
    case 'int':
      return fillInts(
        new (info.array as Int32ArrayConstructor)(count),
        flat,
        info,
        datatype,
        where,
      );
    case 'bigint':
      return fillBigInts(
        new (info.array as BigInt64ArrayConstructor)(count),
        flat,
        info,
        datatype,
        where,
      );
    case 'half':
      return fillHalves(new Uint16Array(count), flat, info, datatype, where);
    case 'bool':
      return fillBools(new Uint8Array(count), flat, where);
    case 'string':
      return fillStrings(flat as unknown[], where);
  }
}

/** Views an input's binary data (binary tensor extension) as its typed array, without copying when aligned. */
export function decodeBinaryData(
  input: RequestInput,
  datatype: Datatype,
  count: number,
  bytes: Uint8Array,
): TensorData {
  const where = `input '${input.name}'`;
  const info: DatatypeInfo = DATATYPES[datatype];
  if (info.array === undefined || info.bytes === undefined)
    return decodeBinaryStrings(bytes, count, where);
  if (bytes.byteLength !== count * info.bytes) {
    throw new InvalidInputError(
      `${where}: binary_data_size is ${bytes.byteLength} bytes but shape [${input.shape}] of ${datatype} needs ${count * info.bytes}`,
    );
  }
  // Typed arrays need aligned offsets; a misaligned slice is copied once.
  // (new Uint8Array, not slice(): Buffer's slice() is a view, which would keep the bad offset.)
  const aligned = bytes.byteOffset % info.bytes === 0 ? bytes : new Uint8Array(bytes);
  const data = new (info.array as Uint8ArrayConstructor)(
    aligned.buffer,
    aligned.byteOffset,
    count,
  ) as TensorData;
  if (info.kind === 'bool') {
    for (let i = 0; i < count; i++) {
      if ((data as Uint8Array)[i]! > 1)
        throw new InvalidInputError(`${where}: BOOL byte ${i} is neither 0 nor 1`);
    }
  }
  return data;
}

/** An output's elements as the text of a JSON array body (no brackets). */
export function encodeJsonData(tensor: Tensor): string {
  const { data } = tensor;
  if (Array.isArray(data)) return data.map((s) => JSON.stringify(s)).join(',');
  const kind = DATATYPES[tensor.datatype].kind;
  if (kind === 'bool')
    return Array.from(data as Uint8Array, (b) => (b === 0 ? 'false' : 'true')).join(',');
  if (kind === 'half' || kind === 'float') {
    // FP16 values are FP32 values too, and print as such. Only non-finite values, which JSON cannot
    // carry, take the element-wise path: they become null.
    const floats =
      kind === 'half'
        ? Float32Array.from(data as Uint16Array, fromHalfBits)
        : (data as Float32Array | Float64Array);
    return printFloats(floats) ?? Array.from(floats, jsonNumber).join(',');
  }
  // Integers, including 64-bit ones, print exactly.
  return (data as Int32Array).join(',');
}

/** An output's elements as the binary tensor extension lays them out: raw little-endian bytes. */
export function encodeBinaryData(tensor: Tensor): Uint8Array {
  const { data } = tensor;
  if (!Array.isArray(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const encoded = data.map((s) => Buffer.from(s, 'utf8'));
  const out = Buffer.allocUnsafe(encoded.reduce((n, b) => n + 4 + b.byteLength, 0));
  let offset = 0;
  for (const bytes of encoded) {
    out.writeUInt32LE(bytes.byteLength, offset);
    out.set(bytes, offset + 4);
    offset += 4 + bytes.byteLength;
  }
  return out;
}

export function formatShape(shape: readonly number[]): string {
  return `[${shape.map((d) => (d === -1 ? '-1' : String(d))).join(', ')}]`;
}

function jsonNumber(value: number): string {
  return Number.isFinite(value) ? String(value) : 'null';
}

function isFlat(data: unknown[]): boolean {
  // Nested data has an array first; the fill loops reject any array met later in flat data.
  return data.length === 0 || !Array.isArray(data[0]);
}

function flatten(data: unknown[], where: string): unknown[] {
  const out: unknown[] = [];
  const walk = (value: unknown, depth: number): void => {
    if (depth > 32)
      throw new InvalidInputError(`${where}: data is nested more than 32 levels deep`);
    if (!Array.isArray(value)) {
      out.push(value);
      return;
    }
    for (const item of value) walk(item, depth + 1);
  };
  walk(data, 0);
  return out;
}

function bad(where: string, index: number, value: unknown, expected: string): InvalidInputError {
  // JSON has no Infinity: a number that is one was written beyond a double's range.
  const shown =
    typeof value === 'bigint'
      ? value.toString()
      : typeof value === 'number' && !Number.isFinite(value)
        ? 'beyond the range of a double'
        : JSON.stringify(value)?.slice(0, 40);
  return new InvalidInputError(
    `${where}: element ${index} is ${shown ?? typeof value}; expected ${expected}`,
  );
}

function fillFloats(
  out: Float32Array | Float64Array,
  flat: ArrayLike<unknown>,
  info: DatatypeInfo,
  datatype: Datatype,
  where: string,
): TensorData {
  for (let i = 0; i < flat.length; i++) {
    const v = flat[i];
    if (typeof v === 'number') out[i] = v;
    else if (typeof v === 'bigint') out[i] = Number(v);
    else throw bad(where, i, v, 'a number');
    // JSON cannot mean ±Infinity: a value that rounded to one was beyond the datatype's range.
    if (Math.abs(out[i]!) === Number.POSITIVE_INFINITY)
      throw outOfRange(where, i, v, info, datatype);
  }
  return out;
}

function outOfRange(
  where: string,
  index: number,
  value: unknown,
  info: DatatypeInfo,
  datatype: Datatype,
): InvalidInputError {
  return bad(where, index, value, `a number in ${datatype}'s range ${info.min}..${info.max}`);
}

function fillInts(
  out: Int32Array,
  flat: ArrayLike<unknown>,
  info: DatatypeInfo,
  datatype: Datatype,
  where: string,
): TensorData {
  const min = info.min as number;
  const max = info.max as number;
  for (let i = 0; i < flat.length; i++) {
    const v = flat[i];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      throw bad(where, i, v, `an integer in ${datatype}'s range ${min}..${max}`);
    }
    out[i] = v;
  }
  return out;
}

function fillBigInts(
  out: BigInt64Array,
  flat: ArrayLike<unknown>,
  info: DatatypeInfo,
  datatype: Datatype,
  where: string,
): TensorData {
  const min = info.min as bigint;
  const max = info.max as bigint;
  for (let i = 0; i < flat.length; i++) {
    const v = flat[i];
    const value =
      typeof v === 'bigint'
        ? v
        : typeof v === 'number' && Number.isInteger(v)
          ? BigInt(v)
          : undefined;
    if (value === undefined || value < min || value > max) {
      throw bad(where, i, v, `an integer in ${datatype}'s range ${min}..${max}`);
    }
    out[i] = value;
  }
  return out;
}

function fillHalves(
  out: Uint16Array,
  flat: ArrayLike<unknown>,
  info: DatatypeInfo,
  datatype: Datatype,
  where: string,
): TensorData {
  for (let i = 0; i < flat.length; i++) {
    const v = flat[i];
    // A bigint (an integer beyond 2^53 in a body with INT64 data) is far beyond any half, as its double.
    const bits =
      typeof v === 'number' ? toHalfBits(v) : typeof v === 'bigint' ? toHalfBits(Number(v)) : -1;
    if (bits < 0) throw bad(where, i, v, 'a number');
    // JSON cannot mean ±Infinity: a value that rounded to one was beyond FP16's range.
    if ((bits & 0x7fff) === 0x7c00) throw outOfRange(where, i, v, info, datatype);
    out[i] = bits;
  }
  return out;
}

function fillBools(out: Uint8Array, flat: ArrayLike<unknown>, where: string): TensorData {
  for (let i = 0; i < flat.length; i++) {
    const v = flat[i];
    if (typeof v !== 'boolean') throw bad(where, i, v, 'true or false');
    out[i] = v ? 1 : 0;
  }
  return out;
}

function fillStrings(flat: unknown[], where: string): TensorData {
  for (let i = 0; i < flat.length; i++) {
    const v = flat[i];
    if (typeof v !== 'string') throw bad(where, i, v, 'a string');
    const nul = v.indexOf('\0');
    if (nul !== -1)
      throw cutAtNul(`${where}: element ${i} contains a NUL character (U+0000) at index ${nul}`);
    // A lone surrogate (JSON's "\ud800") is no character: onnxruntime-node passes strings on as
    // UTF-8, which cannot hold one, and the model would see U+FFFD in its place.
    if (!isWellFormed(v)) {
      const at = v.search(LONE_SURROGATE);
      const unit = v.charCodeAt(at).toString(16);
      throw new InvalidInputError(
        `${where}: element ${i} contains a lone surrogate \\u${unit} at index ${at}, which UTF-8 cannot encode; a BYTES element must be well-formed Unicode text`,
      );
    }
  }
  return flat as string[];
}

/** A string with a NUL: onnxruntime-node hands strings to the runtime as C strings, which end there. */
function cutAtNul(what: string): InvalidInputError {
  return new InvalidInputError(
    `${what}; onnxruntime ends a string at NUL, so the model would see it cut short`,
  );
}

/** String.prototype.isWellFormed (Node 20 and later), which TypeScript's ES2023 lib does not declare. */
const isWellFormed = (s: string): boolean =>
  (s as string & { isWellFormed(): boolean }).isWellFormed();

const LONE_SURROGATE = /\p{Surrogate}/u;

function decodeBinaryStrings(bytes: Uint8Array, count: number, where: string): string[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: string[] = [];
  let offset = 0;
  while (offset < bytes.byteLength) {
    if (out.length === count) break;
    if (offset + 4 > bytes.byteLength)
      throw new InvalidInputError(
        `${where}: BYTES element ${out.length} has a truncated length prefix`,
      );
    const length = view.getUint32(offset, true);
    offset += 4;
    if (offset + length > bytes.byteLength) {
      throw new InvalidInputError(
        `${where}: BYTES element ${out.length} claims ${length} bytes; only ${bytes.byteLength - offset} remain`,
      );
    }
    const element = bytes.subarray(offset, offset + length);
    const nul = element.indexOf(0);
    if (nul !== -1)
      throw cutAtNul(`${where}: BYTES element ${out.length} contains a NUL byte at offset ${nul}`);
    try {
      out.push(UTF8.decode(element));
    } catch {
      // onnxruntime-node takes strings, not bytes: what is not UTF-8 cannot reach the model as sent.
      throw new InvalidInputError(`${where}: BYTES element ${out.length} is not valid UTF-8`);
    }
    offset += length;
  }
  if (out.length !== count || offset !== bytes.byteLength) {
    throw new InvalidInputError(
      `${where}: binary data holds ${out.length} BYTES elements${offset !== bytes.byteLength ? ' and trailing bytes' : ''}; the shape needs ${count}`,
    );
  }
  return out;
}
