// Small ONNX models built in code (with onnx-proto) for tests, the benchmark and the local demo, so no
// one has to trust a binary checked into the repository.
import onnxProto from 'onnx-proto';
import { DATATYPES, type Datatype } from '../core/oip/datatypes.js';

const { onnx } = onnxProto;

export interface ValueSpec {
  readonly name: string;
  readonly datatype: Datatype;
  /** Numbers are fixed dimensions; strings are named dynamic ones. */
  readonly shape: readonly (number | string)[];
}

export interface NodeSpec {
  readonly op: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes?: Readonly<Record<string, number | readonly number[]>>;
}

export interface Initializer {
  readonly name: string;
  readonly dims: readonly number[];
  readonly floats: Float32Array;
}

export interface GraphSpec {
  readonly inputs: readonly ValueSpec[];
  readonly outputs: readonly ValueSpec[];
  readonly nodes: readonly NodeSpec[];
  readonly initializers?: readonly Initializer[];
  readonly name?: string;
}

/** Encodes a graph as an ONNX model (opset 17). */
export function buildModel(spec: GraphSpec): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'maas-tools',
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: spec.name ?? 'graph',
      input: spec.inputs.map(valueInfo),
      output: spec.outputs.map(valueInfo),
      node: spec.nodes.map((node, i) => ({
        name: `${node.op}_${i}`,
        opType: node.op,
        input: [...node.inputs],
        output: [...node.outputs],
        attribute: Object.entries(node.attributes ?? {}).map(([name, value]) =>
          typeof value === 'number'
            ? { name, type: onnx.AttributeProto.AttributeType.INT, i: value }
            : { name, type: onnx.AttributeProto.AttributeType.INTS, ints: [...value] },
        ),
      })),
      initializer: (spec.initializers ?? []).map((init) => ({
        name: init.name,
        dims: [...init.dims],
        dataType: DATATYPES.FP32.onnx,
        rawData: new Uint8Array(init.floats.buffer, init.floats.byteOffset, init.floats.byteLength),
      })),
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

function valueInfo(spec: ValueSpec) {
  return {
    name: spec.name,
    type: {
      tensorType: {
        elemType: DATATYPES[spec.datatype].onnx,
        shape: {
          dim: spec.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })),
        },
      },
    },
  };
}

/** y = x for any datatype, with a dynamic 1-D shape: round-trips every element type. */
export function identityModel(datatype: Datatype): Uint8Array {
  return buildModel({
    name: `identity_${datatype.toLowerCase()}`,
    inputs: [{ name: 'x', datatype, shape: ['n'] }],
    outputs: [{ name: 'y', datatype, shape: ['n'] }],
    nodes: [{ op: 'Identity', inputs: ['x'], outputs: ['y'] }],
  });
}

/** sum = a + b and difference = a - b, FP32 vectors: the demo model and the tiny benchmark model. */
export function addSubModel(): Uint8Array {
  const vec = (name: string): ValueSpec => ({ name, datatype: 'FP32', shape: ['n'] });
  return buildModel({
    name: 'add_sub',
    inputs: [vec('a'), vec('b')],
    outputs: [vec('sum'), vec('difference')],
    nodes: [
      { op: 'Add', inputs: ['a', 'b'], outputs: ['sum'] },
      { op: 'Sub', inputs: ['a', 'b'], outputs: ['difference'] },
    ],
  });
}

/**
 * y = x + sum(w) with `bytes` of weights: a model as large as asked that still runs in milliseconds.
 * `seed` varies the weights, so two calls with different seeds give different bytes.
 */
export function largeModel(bytes: number, seed = 1): Uint8Array {
  const weights = new Float32Array(Math.ceil(bytes / 4));
  let state = seed >>> 0 || 1;
  for (let i = 0; i < weights.length; i++) {
    state = (state * 1664525 + 1013904223) >>> 0; // LCG: deterministic, cheap, non-repeating enough
    weights[i] = (state / 2 ** 32 - 0.5) * 1e-6;
  }
  return buildModel({
    name: 'large',
    inputs: [{ name: 'x', datatype: 'FP32', shape: [1] }],
    outputs: [{ name: 'y', datatype: 'FP32', shape: [1] }],
    initializers: [{ name: 'w', dims: [weights.length], floats: weights }],
    nodes: [
      { op: 'ReduceSum', inputs: ['w'], outputs: ['s'], attributes: { keepdims: 1 } },
      { op: 'Add', inputs: ['x', 's'], outputs: ['y'] },
    ],
  });
}

/** Deterministic pseudo-random floats in [-scale, scale): cheap, and the same for the same seed. */
function randomFloats(count: number, seed: number, scale: number): Float32Array {
  const out = new Float32Array(count);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < count; i++) {
    state = (state * 1664525 + 1013904223) >>> 0; // LCG, as in largeModel
    out[i] = (state / 2 ** 32 - 0.5) * 2 * scale;
  }
  return out;
}

/**
 * A small image model for the benchmark's large-input scenario: image FP32 [1, 3, 224, 224] through
 * two 3x3 Conv+Relu layers (16 channels, stride 1) and a global average pool to features FP32 [1, 16].
 * The input is as large as a real vision model's while the output stays small, so the scenario
 * measures request decoding rather than response encoding. Random weights; runs in milliseconds.
 */
export function convModel(seed = 1): Uint8Array {
  const channels = 16;
  // He-style scale keeps activations from vanishing through the Relus, like trained weights would.
  const conv = (name: string, inChannels: number, salt: number): Initializer[] => [
    {
      name: `${name}_w`,
      dims: [channels, inChannels, 3, 3],
      floats: randomFloats(channels * inChannels * 9, seed + salt, Math.sqrt(2 / (inChannels * 9))),
    },
    { name: `${name}_b`, dims: [channels], floats: randomFloats(channels, seed + salt + 1, 0.1) },
  ];
  const convAttributes = { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [1, 1] };
  return buildModel({
    name: 'conv',
    inputs: [{ name: 'image', datatype: 'FP32', shape: [1, 3, 224, 224] }],
    outputs: [{ name: 'features', datatype: 'FP32', shape: [1, channels] }],
    initializers: [...conv('conv1', 3, 10), ...conv('conv2', channels, 20)],
    nodes: [
      {
        op: 'Conv',
        inputs: ['image', 'conv1_w', 'conv1_b'],
        outputs: ['c1'],
        attributes: convAttributes,
      },
      { op: 'Relu', inputs: ['c1'], outputs: ['r1'] },
      {
        op: 'Conv',
        inputs: ['r1', 'conv2_w', 'conv2_b'],
        outputs: ['c2'],
        attributes: convAttributes,
      },
      { op: 'Relu', inputs: ['c2'], outputs: ['r2'] },
      { op: 'GlobalAveragePool', inputs: ['r2'], outputs: ['pooled'] },
      { op: 'Flatten', inputs: ['pooled'], outputs: ['features'], attributes: { axis: 1 } },
    ],
  });
}

/**
 * value = w[index] over `bytes` of weights. Unlike largeModel, whose ReduceSum over constant weights
 * graph optimisation folds away at load, a lookup keeps every weight in the loaded session: what the
 * benchmark needs to measure the memory a cached model really holds. `seed` varies the weights.
 */
export function lookupModel(bytes: number, seed = 1): Uint8Array {
  const count = Math.ceil(bytes / 4);
  return buildModel({
    name: 'lookup',
    inputs: [{ name: 'index', datatype: 'INT64', shape: [1] }],
    outputs: [{ name: 'value', datatype: 'FP32', shape: [1] }],
    initializers: [{ name: 'w', dims: [count], floats: randomFloats(count, seed, 1) }],
    nodes: [{ op: 'Gather', inputs: ['w', 'index'], outputs: ['value'] }],
  });
}
