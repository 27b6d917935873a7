// Child for scenario 3, bundled and run by plain node: the raw sequence someone would write to run a
// model once. argv: the model file, a file holding the inputs (JSON), the session options (JSON). It
// writes when each phase ended.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
// Aliased: bundled with the functions' banner, which declares createRequire (infra/bundling.ts).
import { createRequire as requireFrom } from 'node:module';
import { now, send } from './io.js';

export interface RawInput {
  readonly name: string;
  readonly type: string;
  readonly shape: number[];
  /** Numbers, or decimal strings for int64. */
  readonly data: (number | string)[];
}

export interface ColdRawTimes {
  readonly started: string;
  readonly imported: string;
  readonly read: string;
  readonly sessionCreated: string;
  readonly responded: string;
}

const [file, inputsFile, optionsJson] = process.argv.slice(2) as [string, string, string];
const inputs = JSON.parse(readFileSync(inputsFile, 'utf8')) as RawInput[];
const started = now();
// Required, as maas requires it: an import of this CommonJS package parses it for its export names
// first, 10-50 ms more here, which would make the reference slower than it need be.
const ort = requireFrom(import.meta.url)('onnxruntime-node') as typeof import('onnxruntime-node');
const imported = now();
const bytes = await readFile(file);
const read = now();
const session = await ort.InferenceSession.create(bytes, JSON.parse(optionsJson));
const sessionCreated = now();
const feeds = Object.fromEntries(
  inputs.map((input) => [
    input.name,
    new ort.Tensor(
      input.type as 'float32',
      (input.type === 'int64'
        ? BigInt64Array.from(input.data, (v) => BigInt(v))
        : Float32Array.from(input.data as number[])) as Float32Array,
      input.shape,
    ),
  ]),
);
await session.run(feeds);
const responded = now();
send({ started, imported, read, sessionCreated, responded } satisfies ColdRawTimes);
process.exit(0);
