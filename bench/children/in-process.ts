// Child for scenario 1. The parent sets the handlers' environment (its emulators) and passes the timing
// options as argv[2]; this process imports the handler once, as a warm Lambda container has it.
import { availableParallelism } from 'node:os';
import type { APIGatewayProxyResult } from 'aws-lambda';
import ort from 'onnxruntime-node';
import { servingSessionOptions } from '../../core/inference/session-options.js';
import { inferEvent } from '../events.js';
import {
  alternate,
  IN_PROCESS_CASES,
  IN_PROCESS_SLICES,
  type InProcessResult,
  type TimingOptions,
} from '../in-process.js';
import { type BenchModel, formatBytes, ortType } from '../models.js';
import { sliceRatios, summarize } from '../stats.js';
import { invocationContext, progress, send } from './io.js';

const timing = JSON.parse(process.argv[2] ?? '{}') as TimingOptions;
const { handler } = await import('../../functions/inference.js');

const context = invocationContext('00000000-0000-4000-8000-000000000000');

// Enough distinct requests to outrun V8's number cache (16,384 entries at most), within 16 MiB of
// bodies.
const MAX_VARIANTS = 128;
const VARIANT_BYTES = 16 * 1024 * 1024;

const sessions = new Map<BenchModel, ort.InferenceSession>();
const result: InProcessResult['cases'][number][] = [];
for (const c of IN_PROCESS_CASES) {
  let session = sessions.get(c.model);
  if (session === undefined) {
    session = await ort.InferenceSession.create(
      c.model.bytes(),
      servingSessionOptions(availableParallelism()),
    );
    sessions.set(c.model, session);
  }
  const raw = session;
  // Every request carries other values, as a stream of audio or images does: the same values again
  // and again would let V8 print the outputs from its cache of recent numbers, which real outputs
  // never hit. Both sides take the variants in turn.
  const first = c.model.inputs(0);
  const { bodyBytes } = inferEvent(c.model.name, c.encoding, first);
  const variants = Math.max(2, Math.min(MAX_VARIANTS, Math.floor(VARIANT_BYTES / bodyBytes)));
  const inputs = [first, ...Array.from({ length: variants - 1 }, (_, v) => c.model.inputs(v + 1))];
  const events = inputs.map((set) => inferEvent(c.model.name, c.encoding, set).event);
  const feeds = inputs.map((set) =>
    Object.fromEntries(
      set.map((input) => [
        input.name,
        new ort.Tensor(ortType(input.datatype) as 'float32', input.data as Float32Array, [
          ...input.shape,
        ]),
      ]),
    ),
  );
  const callMaas = async (v: number) => {
    const response = (await handler(events[v]!, context)) as APIGatewayProxyResult;
    if (response.statusCode !== 200)
      throw new Error(`maas answered ${response.statusCode}: ${response.body.slice(0, 300)}`);
    return response;
  };
  for (let v = 0; v < variants; v++)
    await checkSameOutputs(await callMaas(v), await raw.run(feeds[v]!), c.encoding);

  progress(`${c.model.name} ${c.encoding}: ${formatBytes(bodyBytes)} body, ${variants} variants`);
  let nextMaas = 0;
  let nextRaw = 0;
  const samples = await alternate(
    () => callMaas(nextMaas++ % variants),
    () => raw.run(feeds[nextRaw++ % variants]!),
    timing,
  );
  result.push({
    maas: summarize(samples.a),
    raw: summarize(samples.b),
    sliceRatios: sliceRatios(samples.a, samples.b, IN_PROCESS_SLICES),
    bodyBytes,
  });
}
send({ cases: result } satisfies InProcessResult);
// The handler's SDK clients keep sockets to the parent's emulators open; nothing else is left to do.
process.exit(0);

/** The benchmark only means something if maas computes what raw onnxruntime computes. */
async function checkSameOutputs(
  response: APIGatewayProxyResult,
  raw: ort.InferenceSession.ReturnType,
  encoding: 'json' | 'binary',
): Promise<void> {
  let outputs: { name: string; data: ArrayLike<number> }[];
  if (encoding === 'json') {
    outputs = (JSON.parse(response.body) as { outputs: { name: string; data: number[] }[] })
      .outputs;
  } else {
    const body = Buffer.from(response.body, 'base64');
    const length = Number(response.headers?.['inference-header-content-length']);
    const header = JSON.parse(body.subarray(0, length).toString('utf8')) as {
      outputs: { name: string; parameters: { binary_data_size: number } }[];
    };
    let offset = length;
    outputs = header.outputs.map((o) => {
      const size = o.parameters.binary_data_size;
      const bytes = new Uint8Array(body.subarray(offset, offset + size)); // copied: aligned
      offset += size;
      return { name: o.name, data: new Float32Array(bytes.buffer) };
    });
  }
  for (const output of outputs) {
    const expected = raw[output.name]?.data as ArrayLike<number> | undefined;
    const same =
      expected !== undefined &&
      expected.length === output.data.length &&
      Array.from(expected).every(
        (v, i) => Math.abs(v - output.data[i]!) <= 1e-5 * (1 + Math.abs(v)),
      );
    if (!same) throw new Error(`maas and onnxruntime disagree on output '${output.name}'`);
  }
}
