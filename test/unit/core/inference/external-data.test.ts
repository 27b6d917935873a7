import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import onnxProto from 'onnx-proto';
import { externalTensor } from '../../../../core/inference/external-data.js';
import { createRunner, inspectModel } from '../../../../core/inference/runtime.js';
import { InvalidModelError } from '../../../../core/oip/errors.js';
import { addSubModel } from '../../../../tools/onnx-models.js';
import { sileroBytes } from '../../../helpers/models.js';

const { onnx } = onnxProto;
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const UINT8 = onnx.TensorProto.DataType.UINT8;

/** A tensor whose 54 bytes are to be read from `location`, as ONNX's external data says. */
const external = (name: string, location: string, withLocationField = true) => ({
  name,
  dims: [54],
  dataType: UINT8,
  externalData: [
    { key: 'location', value: location },
    { key: 'length', value: '54' },
  ],
  ...(withLocationField ? { dataLocation: onnx.TensorProto.DataLocation.EXTERNAL } : {}),
});

const io = (name: string, elemType: number) => ({
  name,
  type: { tensorType: { elemType, shape: { dim: [{ dimValue: 54 }] } } },
});

/** y = Identity(w) with `graph` merged in: the tensors under test sit in `graph`. */
function model(graph: object, extra: object = {}): Uint8Array {
  return onnx.ModelProto.encode(
    onnx.ModelProto.create({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 17 }],
      graph: {
        name: 'g',
        input: [io('x', UINT8)],
        output: [io('y', UINT8)],
        node: [{ opType: 'Identity', input: ['x'], output: ['y'] }],
        ...graph,
      },
      ...extra,
    }),
  ).finish();
}

const constant = (tensor: object) => ({
  opType: 'Constant',
  output: ['c'],
  attribute: [{ name: 'value', type: onnx.AttributeProto.AttributeType.TENSOR, t: tensor }],
});

describe('models that keep tensor data in separate files', () => {
  it.each([
    ['an initializer', model({ initializer: [external('w', 'secret.bin')] })],
    [
      'an initializer marked only by its external_data entries',
      model({ initializer: [external('w', 'secret.bin', false)] }),
    ],
    ['a node attribute', model({ node: [constant(external('w', 'secret.bin'))] })],
    [
      "a subgraph's initializer",
      model({
        node: [
          {
            opType: 'If',
            input: ['x'],
            output: ['y'],
            attribute: [
              {
                name: 'then_branch',
                type: onnx.AttributeProto.AttributeType.GRAPH,
                g: { name: 'then', initializer: [external('w', 'secret.bin')] },
              },
            ],
          },
        ],
      }),
    ],
    [
      "a sparse initializer's values",
      model({
        sparseInitializer: [
          {
            values: external('w', 'secret.bin'),
            indices: { dims: [1], dataType: onnx.TensorProto.DataType.INT64, int64Data: [0] },
            dims: [54],
          },
        ],
      }),
    ],
    [
      "a function's node",
      model(
        {},
        {
          functions: [
            {
              name: 'f',
              domain: 'd',
              output: ['c'],
              node: [constant(external('w', 'secret.bin'))],
            },
          ],
        },
      ),
    ],
  ])('finds one in %s', (_, bytes) => {
    expect(externalTensor(bytes)).toEqual({ tensor: 'w', location: 'secret.bin' });
  });

  it('finds none in models that keep everything inside, or in what is not a protobuf', () => {
    expect(externalTensor(sileroBytes())).toBeUndefined();
    expect(externalTensor(addSubModel())).toBeUndefined();
    expect(
      externalTensor(
        model({ initializer: [{ name: 'w', dims: [1], dataType: FLOAT, floatData: [1] }] }),
      ),
    ).toBeUndefined();
    expect(externalTensor(Buffer.from('not a model'))).toBeUndefined();
    expect(externalTensor(new Uint8Array(0))).toBeUndefined();
  });

  describe('refused before onnxruntime reads the file', () => {
    // onnxruntime reads a bytes-loaded model's external data relative to the working directory.
    const dir = mkdtempSync(join(tmpdir(), 'maas-external-'));
    const cwd = process.cwd();
    writeFileSync(join(dir, 'secret.bin'), 'x'.repeat(54));
    const leak = model({
      node: [{ opType: 'Identity', input: ['w'], output: ['y'] }],
      initializer: [external('w', 'secret.bin')],
    });
    afterAll(() => {
      process.chdir(cwd);
      rmSync(dir, { recursive: true, force: true });
    });

    it('at push, saying how to save the model instead', async () => {
      process.chdir(dir);
      const refused = await inspectModel(leak).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(InvalidModelError);
      expect((refused as Error).message).toMatch(
        /^tensor 'w' keeps its data in a separate file \("secret\.bin"\).*save_as_external_data=False/,
      );
    });

    it('at load, where onnxruntime finds no such file wherever the server runs', async () => {
      process.chdir(dir);
      const refused = await createRunner(leak, { intraOpThreads: 1 }).catch(
        (error: unknown) => error,
      );
      expect(refused).toBeInstanceOf(InvalidModelError);
      expect((refused as Error).message).toMatch(/^not a loadable ONNX model: .*External data/);
    });
  });
});
