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
    (parameters === undefined ? '' : `,"parameters":${JSON.stringify(parameters, bigintAsText)}`) +
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

/** Request parameters are echoed, except the ones that only steered the binary encoding. */
function withoutBinaryFlags(
  parameters: Record<string, unknown>,
): Record<string, unknown> | undefined {
  const { binary_data_output: _, ...rest } = parameters;
  return Object.keys(rest).length === 0 ? undefined : rest;
}

/** Parameters parsed from an INT64 request may hold bigints, which JSON.stringify refuses. */
function bigintAsText(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}
