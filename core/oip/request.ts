import { clip } from '../models/names.js';
import type { Signature } from '../models/schemas.js';
import { InvalidInputError } from './errors.js';
import { parseInferJson, parseInferJsonBase64, parseInferJsonText } from './json.js';
import { type InferRequest, parseInferRequest } from './schemas.js';
import type { Tensor } from './tensor.js';
import { checkInput, decodeBinaryData, decodeJsonData, type TensorLimits } from './tensors.js';

/** Triton's binary tensor data extension: the JSON header's length when a body carries raw tensors. */
export const HEADER_LENGTH_HEADER = 'inference-header-content-length';

/** An inference request with its JSON parsed and its binary section (if any) set apart. */
export interface ParsedInferRequest {
  readonly request: InferRequest;
  readonly binary: Uint8Array | undefined;
}

/** A request checked against a model's signature, its inputs decoded into typed arrays. */
export interface DecodedInferRequest {
  readonly id: string | undefined;
  readonly parameters: Record<string, unknown> | undefined;
  readonly inputs: Tensor[];
  /** The outputs to compute, in the order to return them. */
  readonly outputs: string[];
  /** Outputs to return as raw bytes (binary tensor extension) instead of JSON. */
  readonly binaryOutputs: ReadonlySet<string>;
}

/**
 * Splits and parses an inference body: plain JSON, or (with Inference-Header-Content-Length) a JSON
 * header followed by the inputs' raw bytes.
 */
export function parseInferBody(
  body: Uint8Array,
  headerLength: string | undefined,
): ParsedInferRequest {
  let jsonBytes = body;
  let binary: Uint8Array | undefined;
  if (headerLength !== undefined) {
    const length = /^\d{1,12}$/.test(headerLength.trim()) ? Number(headerLength) : Number.NaN;
    if (!(length > 0 && length <= body.byteLength)) {
      throw new InvalidInputError(
        `Inference-Header-Content-Length '${headerLength.slice(0, 20)}' must be a byte count between 1 and the body's ${body.byteLength}`,
      );
    }
    jsonBytes = body.subarray(0, length);
    binary = body.subarray(length);
  }
  return {
    request: parseInferRequest(parseInferJson(jsonBytes)),
    binary,
  };
}

/**
 * Parses a JSON inference body from its text when the text is all ASCII, without encoding it first;
 * undefined for any other text, which takes parseInferBody.
 */
export function parseInferText(text: string): ParsedInferRequest | undefined {
  const parsed = parseInferJsonText(text);
  return parsed && { request: parseInferRequest(parsed.document), binary: undefined };
}

/**
 * Parses a JSON inference body delivered base64-encoded, decoding it straight into the number
 * scanner's memory; undefined where that cannot be done, for parseInferBody of its decoded bytes.
 */
export function parseInferBase64(base64: string): ParsedInferRequest | undefined {
  const parsed = parseInferJsonBase64(base64);
  return parsed && { request: parseInferRequest(parsed.document), binary: undefined };
}

/**
 * Checks a parsed request against the signature stored at push time and decodes its inputs, before
 * the model is touched: names, datatypes, shapes, element counts and binary sizes.
 */
export function decodeInferRequest(
  parsed: ParsedInferRequest,
  signature: Signature,
  limits: TensorLimits,
): DecodedInferRequest {
  const { request } = parsed;
  const seen = new Set<string>();
  const inputs: Tensor[] = [];
  let binaryOffset = 0;
  const binary = parsed.binary ?? new Uint8Array(0);

  for (const input of request.inputs) {
    // A model has a few inputs: a search costs less than a map built per request.
    const spec = signature.inputs.find((s) => s.name === input.name);
    if (spec === undefined) {
      throw new InvalidInputError(
        `unknown input '${clip(input.name)}'; the model's inputs are ${names(signature.inputs)}`,
      );
    }
    if (seen.has(input.name))
      throw new InvalidInputError(`input '${input.name}' appears more than once`);
    seen.add(input.name);
    const count = checkInput(input, spec, limits);
    refuseExtensions(input.parameters, `input '${input.name}'`);
    const binarySize = input.parameters?.binary_data_size;
    if (binarySize === undefined) {
      if (input.data === undefined)
        throw new InvalidInputError(`input '${input.name}' has no data`);
      inputs.push({
        name: input.name,
        datatype: spec.datatype,
        shape: input.shape,
        data: decodeJsonData(input, spec.datatype, count),
      });
      continue;
    }
    if (input.data !== undefined) {
      throw new InvalidInputError(`input '${input.name}' has both data and binary_data_size`);
    }
    if (parsed.binary === undefined) {
      throw new InvalidInputError(
        `input '${input.name}' sets binary_data_size but the request has no Inference-Header-Content-Length header`,
      );
    }
    if (typeof binarySize !== 'number' || !Number.isSafeInteger(binarySize) || binarySize < 0) {
      throw new InvalidInputError(
        `input '${input.name}': binary_data_size must be a non-negative integer`,
      );
    }
    if (binaryOffset + binarySize > binary.byteLength) {
      throw new InvalidInputError(
        `input '${input.name}': binary_data_size ${binarySize} runs past the ${binary.byteLength - binaryOffset} binary bytes left`,
      );
    }
    const bytes = binary.subarray(binaryOffset, binaryOffset + binarySize);
    binaryOffset += binarySize;
    inputs.push({
      name: input.name,
      datatype: spec.datatype,
      shape: input.shape,
      data: decodeBinaryData(input, spec.datatype, count, bytes),
    });
  }
  if (binaryOffset !== binary.byteLength) {
    throw new InvalidInputError(
      `the body carries ${binary.byteLength} binary bytes but the inputs' binary_data_size add up to ${binaryOffset}`,
    );
  }
  // Every input seen matched one of the model's, once: fewer seen means some are missing.
  if (seen.size < signature.inputs.length) {
    const missing = signature.inputs.filter((s) => !seen.has(s.name));
    throw new InvalidInputError(`missing input${missing.length > 1 ? 's' : ''} ${names(missing)}`);
  }

  const { outputs, binaryOutputs } = selectOutputs(request, signature);
  return { id: request.id, parameters: request.parameters, inputs, outputs, binaryOutputs };
}

function selectOutputs(
  request: InferRequest,
  signature: Signature,
): Pick<DecodedInferRequest, 'outputs' | 'binaryOutputs'> {
  const allBinary = booleanParameter(request.parameters, 'binary_data_output', 'request') ?? false;
  if (request.outputs === undefined || request.outputs.length === 0) {
    const outputs = signature.outputs.map((o) => o.name);
    return { outputs, binaryOutputs: new Set(allBinary ? outputs : []) };
  }
  const known = new Set(signature.outputs.map((o) => o.name));
  const outputs: string[] = [];
  const binaryOutputs = new Set<string>();
  for (const output of request.outputs) {
    if (!known.has(output.name)) {
      throw new InvalidInputError(
        `unknown output '${clip(output.name)}'; the model's outputs are ${names(signature.outputs)}`,
      );
    }
    if (outputs.includes(output.name))
      throw new InvalidInputError(`output '${output.name}' is requested more than once`);
    refuseExtensions(output.parameters, `output '${output.name}'`);
    outputs.push(output.name);
    if (
      booleanParameter(output.parameters, 'binary_data', `output '${output.name}'`) ??
      allBinary
    ) {
      binaryOutputs.add(output.name);
    }
  }
  return { outputs, binaryOutputs };
}

/**
 * Parameters of Triton's extensions that maas does not offer (GET /v2 lists those it does). Ignored,
 * they would get a client an answer of another shape than it asked for (raw scores for a
 * classification, JSON data in place of a shared-memory region), so they are refused by name.
 */
const UNSUPPORTED_PARAMETERS: ReadonlyMap<string, string> = new Map([
  ['classification', 'classification'],
  ['shared_memory_region', 'shared memory'],
  ['shared_memory_byte_size', 'shared memory'],
  ['shared_memory_offset', 'shared memory'],
]);

function refuseExtensions(parameters: Record<string, unknown> | undefined, where: string): void {
  for (const key in parameters) {
    const extension = UNSUPPORTED_PARAMETERS.get(key);
    if (extension !== undefined) {
      throw new InvalidInputError(
        `${where}: parameter ${key} belongs to Triton's ${extension} extension, which maas does not offer`,
      );
    }
  }
}

function booleanParameter(
  parameters: Record<string, unknown> | undefined,
  key: string,
  where: string,
): boolean | undefined {
  const value = parameters?.[key];
  if (value === undefined || typeof value === 'boolean') return value;
  throw new InvalidInputError(`${where}: parameter ${key} must be true or false`);
}

function names(specs: readonly { name: string }[]): string {
  return specs.map((s) => `'${s.name}'`).join(', ');
}
