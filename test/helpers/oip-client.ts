// A minimal Open Inference Protocol client for tests, written apart from core/oip so the server's codec
// is checked against an independent reading of the protocol rather than against itself.

/** JSON text where bigints are written as the exact integers they are. */
export function jsonText(value: unknown): string {
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return `[${value.map(jsonText).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${JSON.stringify(k)}:${jsonText(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** A binary-extension request body: the JSON header, then each chunk in order. */
export function binaryRequest(
  header: object,
  chunks: readonly Uint8Array[],
): { body: Buffer; headers: Record<string, string> } {
  const json = Buffer.from(JSON.stringify(header));
  return {
    body: Buffer.concat([json, ...chunks]),
    headers: {
      'content-type': 'application/octet-stream',
      'inference-header-content-length': String(json.byteLength),
    },
  };
}

export interface BinaryResponse {
  readonly json: {
    outputs: {
      name: string;
      datatype: string;
      shape: number[];
      parameters?: { binary_data_size?: number };
      data?: unknown[];
    }[];
  } & Record<string, unknown>;
  /** Each binary output's bytes, by output name. */
  readonly chunks: Map<string, Buffer>;
}

/** Splits a binary-extension response into its JSON header and each output's bytes. */
export function parseBinaryResponse(raw: Buffer, headerLength: string | null): BinaryResponse {
  const length = Number(headerLength);
  const json = JSON.parse(raw.subarray(0, length).toString('utf8')) as BinaryResponse['json'];
  const chunks = new Map<string, Buffer>();
  let offset = length;
  for (const output of json.outputs) {
    const size = output.parameters?.binary_data_size;
    if (size === undefined) continue;
    chunks.set(output.name, raw.subarray(offset, offset + size));
    offset += size;
  }
  if (offset !== raw.byteLength)
    throw new Error(`response has ${raw.byteLength - offset} unexplained bytes`);
  return { json, chunks };
}

/** BYTES elements in the binary extension: each a little-endian uint32 length, then its bytes. */
export function lengthPrefixed(strings: readonly string[]): Buffer {
  return Buffer.concat(
    strings.flatMap((s) => {
      const bytes = Buffer.from(s, 'utf8');
      const length = Buffer.alloc(4);
      length.writeUInt32LE(bytes.byteLength);
      return [length, bytes];
    }),
  );
}
