// The models the benchmark serves and the requests it sends them. Inputs are deterministic, so every
// process (parent, children, reference server) builds the same bytes and the same request bodies.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DATATYPES, type Datatype } from '../core/oip/datatypes.js';
import { addSubModel, convModel, lookupModel } from '../tools/onnx-models.js';

export type BenchArray = Float32Array | BigInt64Array;

export interface BenchInput {
  readonly name: string;
  readonly datatype: Datatype;
  readonly shape: readonly number[];
  readonly data: BenchArray;
}

export interface BenchModel {
  /** The name it is pushed under in maas. */
  readonly name: string;
  /** What it is, for the table. */
  readonly label: string;
  readonly bytes: () => Uint8Array;
  /** Deterministic inputs; each variant (0 by default) holds other values of the same shapes. */
  readonly inputs: (variant?: number) => BenchInput[];
}

const require = createRequire(import.meta.url);

/** Silero VAD v5, a real model no one here wrote, shipped inside @ricky0123/vad-web. */
export function sileroPath(): string {
  const pkg = dirname(require.resolve('@ricky0123/vad-web/package.json'));
  return join(pkg, 'dist', 'silero_vad_v5.onnx');
}

/** Deterministic values in [min, max), so every process builds the same request. */
function floats(count: number, seed: number, min: number, max: number): Float32Array {
  const out = new Float32Array(count);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < count; i++) {
    state = (state * 1664525 + 1013904223) >>> 0;
    out[i] = min + (state / 2 ** 32) * (max - min);
  }
  return out;
}

export const TINY: BenchModel = {
  name: 'tiny',
  label: 'tiny (add/sub, 2x FP32[8])',
  bytes: addSubModel,
  inputs: (variant = 0) => [
    { name: 'a', datatype: 'FP32', shape: [8], data: floats(8, 1 + 10 * variant, -10, 10) },
    { name: 'b', datatype: 'FP32', shape: [8], data: floats(8, 2 + 10 * variant, -10, 10) },
  ],
};

export const SILERO: BenchModel = {
  name: 'silero',
  label: 'Silero VAD v5 (512 samples)',
  bytes: () => readFileSync(sileroPath()),
  inputs: (variant = 0) => [
    // One 32 ms frame of 16 kHz audio, and a recurrent state as a stream would carry it.
    {
      name: 'input',
      datatype: 'FP32',
      shape: [1, 512],
      data: floats(512, 3 + 10 * variant, -0.5, 0.5),
    },
    {
      name: 'state',
      datatype: 'FP32',
      shape: [2, 1, 128],
      data: floats(256, 4 + 10 * variant, -0.1, 0.1),
    },
    { name: 'sr', datatype: 'INT64', shape: [], data: BigInt64Array.of(16000n) },
  ],
};

export const CONV: BenchModel = {
  name: 'conv',
  label: 'conv (FP32[1,3,224,224])',
  bytes: () => convModel(),
  inputs: (variant = 0) => [
    {
      name: 'image',
      datatype: 'FP32',
      shape: [1, 3, 224, 224],
      data: floats(3 * 224 * 224, 5 + 10 * variant, 0, 1),
    },
  ],
};

/** A model of about `bytes` whose weights stay in memory once loaded (see lookupModel). */
export function lookupBench(name: string, bytes: number, seed: number): BenchModel {
  return {
    name,
    label: `lookup (${formatBytes(bytes)})`,
    bytes: () => lookupModel(bytes, seed),
    inputs: () => [{ name: 'index', datatype: 'INT64', shape: [1], data: BigInt64Array.of(7n) }],
  };
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Math.round(bytes / (1024 * 1024))} MiB`;
  return bytes >= 1024 ? `${Math.round(bytes / 1024)} KiB` : `${bytes} B`;
}

/** The JSON request body, as a client library would write it (numbers, int64 as integers). */
export function jsonBody(inputs: readonly BenchInput[]): string {
  const parts = inputs.map(
    (input) =>
      `{"name":${JSON.stringify(input.name)},"datatype":"${input.datatype}","shape":[${input.shape.join(',')}],"data":[${input.data.join(',')}]}`,
  );
  return `{"inputs":[${parts.join(',')}]}`;
}

/**
 * The binary tensor extension body: a JSON header declaring each input's byte size, then the raw
 * little-endian bytes, with every output asked for in binary too.
 */
export function binaryBody(inputs: readonly BenchInput[]): { body: Buffer; headerLength: number } {
  const header = Buffer.from(
    JSON.stringify({
      inputs: inputs.map((input) => ({
        name: input.name,
        datatype: input.datatype,
        shape: input.shape,
        parameters: { binary_data_size: input.data.byteLength },
      })),
      parameters: { binary_data_output: true },
    }),
  );
  const chunks = inputs.map((input) =>
    Buffer.from(input.data.buffer, input.data.byteOffset, input.data.byteLength),
  );
  return { body: Buffer.concat([header, ...chunks]), headerLength: header.byteLength };
}

/** onnxruntime's element type name for a protocol datatype. */
export function ortType(datatype: Datatype): string {
  return DATATYPES[datatype].ort;
}
