// The only module that loads onnxruntime-node: on Lambda it comes from the layer, so everything
// else stays bundleable and testable without it.

import { join } from 'node:path';
import type * as ort from 'onnxruntime-node';
import { clip, quote } from '../models/names.js';
import type { Signature, TensorSpec } from '../models/schemas.js';
import { DATATYPES, datatypeOfOrt } from '../oip/datatypes.js';
import { InvalidModelError } from '../oip/errors.js';
import type { Tensor, TensorData } from '../oip/tensor.js';
import { externalTensor } from './external-data.js';
import { requireLayerModule } from './layer-modules.js';
import { servingSessionOptions } from './session-options.js';

// onnxruntime-node keeps telemetry of its own unless told not to, before it loads: a file per
// process in /tmp (mat-debug-<pid>.log, never removed), a device id and a database in the home
// directory. None of it is maas's to collect or to leave behind; an operator may still set it.
process.env.ORT_DISABLE_TELEMETRY ??= '1';
const { InferenceSession, Tensor: OrtTensor } = requireLayerModule(
  'onnxruntime-node',
) as typeof ort;

export interface RuntimeOptions {
  /** Threads for one operator; Lambda gives a vCPU per 1,769 MB of memory. */
  readonly intraOpThreads: number;
}

/** A loaded model, narrowed to what maas needs. */
export interface Runner {
  readonly signature: Signature;
  /** Runs the model; `outputs` names the outputs to compute (all when omitted). */
  run(inputs: readonly Tensor[], outputs?: readonly string[]): Promise<Tensor[]>;
  release(): Promise<void>;
}

/** Loads a model for serving, with the session options in session-options.ts. */
export async function createRunner(bytes: Uint8Array, options: RuntimeOptions): Promise<Runner> {
  const session = await createSession(bytes, servingSessionOptions(options.intraOpThreads));
  const signature = signatureOf(session);
  const allOutputs = signature.outputs.map((o) => o.name);
  return {
    signature,
    async run(inputs, outputs = allOutputs) {
      const feeds: Record<string, ort.Tensor> = {};
      for (const input of inputs) {
        // ort.Tensor wraps the typed array as is: no copy between the decoded request and the runtime.
        feeds[input.name] = new OrtTensor(
          DATATYPES[input.datatype].ort as ort.Tensor.Type,
          input.data as ort.Tensor.DataType,
          input.shape,
        );
      }
      const results = await session.run(feeds, outputs as string[]);
      return outputs.map((name) => fromOrt(name, results[name]));
    },
    release: () => session.release(),
  };
}

/** Reads a model's signature without keeping it loaded; refuses bytes onnxruntime cannot load. */
export async function inspectModel(bytes: Uint8Array): Promise<Signature> {
  // At push, with words for the operator; at load, NO_EXTERNAL_DATA refuses such a model (pushed before
  // this check) without a walk of the model on every cold start (20 ms of Silero's, interpreted).
  const external = externalTensor(bytes);
  if (external !== undefined) {
    throw new InvalidModelError(
      `tensor '${clip(external.tensor)}' keeps its data in a separate file (${quote(external.location)}), ` +
        'and maas serves a model from its own bytes alone: save it with every tensor inside ' +
        '(in Python, onnx.save_model(model, path, save_as_external_data=False))',
    );
  }
  // Optimisation would only slow the check down: the session is thrown away.
  const session = await createSession(bytes, { graphOptimizationLevel: 'disabled' });
  try {
    return signatureOf(session);
  } finally {
    await session.release();
  }
}

/**
 * Where onnxruntime would look for tensor data kept outside a model opened from bytes (by default, the
 * working directory): a path under a file, which no directory can ever be, so no such file is ever
 * found and the model is refused. inspectModel refuses one at push first, with clearer words.
 */
const NO_EXTERNAL_DATA = join(process.execPath, 'no-external-data');

async function createSession(
  bytes: Uint8Array,
  options: ort.InferenceSession.SessionOptions,
): Promise<ort.InferenceSession> {
  const extra = options.extra as { session?: Record<string, unknown> } | undefined;
  try {
    // Fatal only: onnxruntime's own log lines go to stderr unstructured; every error still surfaces
    // as an exception, which maas logs and answers with.
    return await InferenceSession.create(bytes, {
      logSeverityLevel: 4,
      ...options,
      extra: {
        ...extra,
        session: {
          ...extra?.session,
          model_external_initializers_file_folder_path: NO_EXTERNAL_DATA,
        },
      },
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new InvalidModelError(`not a loadable ONNX model: ${reason}`);
  }
}

function signatureOf(session: ort.InferenceSession): Signature {
  return {
    inputs: session.inputMetadata.map((m) => specOf(m, 'input')),
    outputs: session.outputMetadata.map((m) => specOf(m, 'output')),
  };
}

function specOf(meta: ort.InferenceSession.ValueMetadata, role: string): TensorSpec {
  if (!meta.isTensor) {
    throw new InvalidModelError(
      `${role} '${meta.name}' is not a tensor; maas serves tensor models only`,
    );
  }
  const datatype = datatypeOfOrt(meta.type);
  if (datatype === undefined) {
    throw new InvalidModelError(
      `${role} '${meta.name}' has element type ${meta.type}, which maas cannot serve`,
    );
  }
  // Symbolic dimensions arrive as their names (or ''); the protocol writes them as -1.
  const shape = meta.shape.map((dim) => (typeof dim === 'number' && dim >= 0 ? dim : -1));
  return { name: meta.name, datatype, shape };
}

function fromOrt(name: string, value: ort.OnnxValue | undefined): Tensor {
  const datatype = value === undefined ? undefined : datatypeOfOrt(value.type);
  if (value === undefined || datatype === undefined) {
    throw new InvalidModelError(`output '${name}' did not produce a tensor maas can return`);
  }
  return { name, datatype, shape: value.dims, data: value.data as TensorData };
}
