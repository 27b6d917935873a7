import { NumberLiteral } from './json.js';
import { HEADER_LENGTH_HEADER } from './request.js';
import type { Tensor } from './tensor.js';
import { encodeBinaryData, encodeJsonData } from './tensors.js';

export interface InferResult {
  readonly modelName: string;
  readonly modelVersion: number;
  readonly id: string | undefined;
  readonly parameters: Record<string, unknown> | undefined;
  readonly outputs: readonly Tensor[];
  readonly binaryOutputs: ReadonlySet<string>;
}

export interface EncodedBody {
  /** JSON stays text: API Gateway takes it as a string, so bytes would only be decoded back. */
  readonly body: string | Buffer;
  readonly headers: Record<string, string>;
}

/**
 * Encodes an inference response: JSON, or (when any output is binary) the JSON header followed by the
 * outputs' raw bytes, its length in Inference-Header-Content-Length. The JSON is written by hand so
 * large outputs go from typed array to text in one join, without an intermediate array of numbers.
 */
export function encodeInferResponse(result: InferResult): EncodedBody {
  const chunks: Uint8Array[] = [];
  const outputs = result.outputs.map((tensor) => {
    const head = `{"name":${JSON.stringify(tensor.name)},"datatype":"${tensor.datatype}","shape":[${tensor.shape.join(',')}]`;
    if (!result.binaryOutputs.has(tensor.name))
      return `${head},"data":[${encodeJsonData(tensor)}]}`;
    const bytes = encodeBinaryData(tensor);
    chunks.push(bytes);
    return `${head},"parameters":{"binary_data_size":${bytes.byteLength}}}`;
  });
  const parameters =
    result.parameters === undefined ? undefined : withoutBinaryFlags(result.parameters);
  const json =
    `{"model_name":${JSON.stringify(result.modelName)},"model_version":"${result.modelVersion}"` +
    (result.id === undefined ? '' : `,"id":${JSON.stringify(result.id)}`) +
    (parameters === undefined ? '' : `,"parameters":${parameterJson(parameters)}`) +
    `,"outputs":[${outputs.join(',')}]}`;
  if (chunks.length === 0) return { body: json, headers: { 'content-type': 'application/json' } };
  const header = Buffer.from(json, 'utf8');
  return {
    body: Buffer.concat([header, ...chunks]),
    headers: {
      'content-type': 'application/octet-stream',
      [HEADER_LENGTH_HEADER]: String(header.byteLength),
    },
  };
}

/**
 * The fewest bytes encodeInferResponse can write for `result`, counted from its outputs' elements
 * without encoding them: so that an answer bound to be too large is refused before the work of
 * writing it (a second of printing for 4 Mi BOOLs).
 */
export function leastEncodedBytes(result: InferResult): number {
  let bytes = 0;
  for (const tensor of result.outputs) {
    const { data } = tensor;
    const count = data.length;
    if (result.binaryOutputs.has(tensor.name))
      bytes += Array.isArray(data) ? 4 * count : data.byteLength; // BYTES: each length's 4 bytes
    // An element and its comma: a digit, "true" or "false", or a string's two quotes.
    else bytes += count * (tensor.datatype === 'BOOL' ? 5 : tensor.datatype === 'BYTES' ? 3 : 2);
  }
  return bytes;
}

/** Request parameters are echoed, except the ones that only steered the binary encoding. */
function withoutBinaryFlags(
  parameters: Record<string, unknown>,
): Record<string, unknown> | undefined {
  const { binary_data_output: _, ...rest } = parameters;
  return Object.keys(rest).length === 0 ? undefined : rest;
}

/**
 * A request parameter as the JSON value it was sent as: a NumberLiteral (a number no double holds) as
 * written, -0 as -0 (JSON.stringify writes 0), a bigint a caller may pass as its digits.
 */
function parameterJson(value: unknown): string {
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : JSON.stringify(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  if (value instanceof NumberLiteral) return value.text;
  if (Array.isArray(value)) return `[${value.map(parameterJson).join(',')}]`;
  const entries = Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${parameterJson(v)}`);
  return `{${entries.join(',')}}`;
}
