// The bare reference for the HTTP scenario: what someone would write to serve a model themselves.
// node:http and onnxruntime-node, one route, no auth, no validation, no metrics: the floor maas's
// throughput is compared against. It opens its session with maas's options, so only the server differs.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import ort from 'onnxruntime-node';
import { servingSessionOptions } from '../core/inference/session-options.js';
import { DATATYPES, type Datatype, datatypeOfOrt } from '../core/oip/datatypes.js';

interface Input {
  name: string;
  datatype: Datatype;
  shape: number[];
  data: number[];
}

export interface ReferenceServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Serves POST <any path> with an Open Inference Protocol JSON body, answering its outputs in JSON. */
export async function startReferenceServer(bytes: Uint8Array, port = 0): Promise<ReferenceServer> {
  const session = await ort.InferenceSession.create(
    bytes,
    servingSessionOptions(availableParallelism()),
  );
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      infer(Buffer.concat(chunks).toString('utf8')).then(
        (body) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(body);
        },
        (error: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(String(error));
        },
      );
    });
  });

  async function infer(text: string): Promise<string> {
    const { inputs } = JSON.parse(text) as { inputs: Input[] };
    const feeds: Record<string, ort.Tensor> = {};
    for (const input of inputs) {
      const info = DATATYPES[input.datatype];
      const Typed = info.array as Float32ArrayConstructor;
      const data =
        info.kind === 'bigint' ? BigInt64Array.from(input.data, BigInt) : Typed.from(input.data);
      feeds[input.name] = new ort.Tensor(info.ort as 'float32', data as Float32Array, input.shape);
    }
    const results = await session.run(feeds);
    const outputs = Object.entries(results).map(([name, tensor]) => ({
      name,
      datatype: datatypeOfOrt(tensor.type),
      shape: tensor.dims,
      data: Array.from(tensor.data as Float32Array),
    }));
    return JSON.stringify({ outputs });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await session.release();
    },
  };
}
