import type { Datatype } from './datatypes.js';

/** Element storage for one tensor: a typed array for numbers and booleans, strings for BYTES. */
export type TensorData =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | BigUint64Array
  | BigInt64Array
  | Float32Array
  | Float64Array
  | string[];

/** A decoded tensor, between the protocol and the runtime; `data` is flat, row-major. */
export interface Tensor {
  readonly name: string;
  readonly datatype: Datatype;
  readonly shape: readonly number[];
  readonly data: TensorData;
}
