import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { LAMBDA_ENVELOPE_BYTES, LAMBDA_PAYLOAD_BYTES } from '../../core/config.js';
import type { ModelRef } from '../../core/inference/endpoints.js';
import { checkModelName, parseVersion } from '../../core/models/names.js';
import { InvalidInputError, PayloadTooLargeError } from '../../core/oip/errors.js';

export function json(statusCode: number, body: unknown): APIGatewayProxyResult {
  return {
    statusCode,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  };
}

/** An empty 200: the protocol's health and readiness routes answer with the status alone. */
export function ok(): APIGatewayProxyResult {
  return { statusCode: 200, headers: {}, body: '' };
}

/** The UTF-8 size of `text` written as a JSON string, counted without writing it. */
function jsonStringBytes(text: string): number {
  let escapes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x22 || code === 0x5c)
      escapes += 1; // \" and \\
    else if (code < 0x20) escapes += 5; // \u00XX at most
  }
  return Buffer.byteLength(text, 'utf8') + escapes + 2;
}

/**
 * A text body as is, or bytes in base64, which API Gateway decodes back to bytes for the client. One
 * too large for Lambda to return is refused here, in the protocol's words and the same locally, rather
 * than by Lambda with a 5xx of API Gateway's, after maas logged a success.
 */
export function bytes(
  statusCode: number,
  body: string | Buffer,
  headers: Record<string, string>,
): APIGatewayProxyResult {
  const result =
    typeof body === 'string'
      ? { statusCode, headers, body }
      : { statusCode, headers, body: body.toString('base64'), isBase64Encoded: true };
  checkResponseSize(result.body, result.isBase64Encoded === true);
  return result;
}

const RESPONSE_BODY_LIMIT = LAMBDA_PAYLOAD_BYTES - LAMBDA_ENVELOPE_BYTES;

function checkResponseSize(body: string, base64: boolean): void {
  // The body travels as a JSON string: at most 6 bytes per character (\u escapes), so a body that
  // fits even so is not measured. Base64 needs no escapes: its size is its length and two quotes.
  if (body.length * 6 <= RESPONSE_BODY_LIMIT) return;
  const size = base64 ? body.length + 2 : jsonStringBytes(body);
  if (size > RESPONSE_BODY_LIMIT) throw answerTooLarge(`would be ${size} bytes`);
}

/**
 * Refuses, before it is written, an answer whose body will hold at least `bytes` (binary bodies travel
 * in base64: a third more) when that is already more than a Lambda response may carry.
 */
export function checkLeastAnswerSize(bytes: number, binary: boolean): void {
  const least = binary ? Math.ceil(bytes / 3) * 4 : bytes;
  if (least > RESPONSE_BODY_LIMIT) throw answerTooLarge(`would be at least ${least} bytes`);
}

function answerTooLarge(size: string): InvalidInputError {
  return new InvalidInputError(
    `the answer ${size}, over the ${RESPONSE_BODY_LIMIT} a Lambda function can return: ` +
      'ask for fewer outputs, or send fewer inputs at a time',
  );
}

/** A header by name, whatever case the client used (API Gateway's REST events keep the client's case). */
export function header(
  event: Pick<APIGatewayProxyEvent, 'headers'>,
  name: string,
): string | undefined {
  const wanted = name.toLowerCase();
  const headers = event.headers ?? {};
  // for...in, not Object.entries: no array of pairs per lookup, and only keys of the right length
  // are lowercased (a request asks for a few headers among the dozen or more API Gateway sends).
  for (const key in headers) {
    if (key.length === wanted.length && key.toLowerCase() === wanted) return headers[key];
  }
  return undefined;
}

/**
 * The request body as bytes, refused with 413 before it is decoded when it is over the limit.
 * `alignAt`: a byte offset to decode onto an 8-byte boundary (where binary tensors start), so typed
 * arrays can view them in place instead of copying them.
 */
export function body(
  event: Pick<APIGatewayProxyEvent, 'body' | 'isBase64Encoded'>,
  maxBytes: number,
  alignAt?: number,
): Buffer {
  const raw = event.body ?? '';
  const size = checkSize(event, maxBytes);
  if (event.isBase64Encoded) {
    if (alignAt === undefined || !(alignAt >= 0 && alignAt <= size))
      return Buffer.from(raw, 'base64');
    const pad = (8 - (alignAt % 8)) % 8;
    // Room for all the text could decode to: malformed padding ("AAAA=") decodes to more than the
    // size counted for the limit, and Buffer.from would keep those bytes.
    const capacity = Math.floor((raw.length * 3) / 4);
    const decoded = Buffer.allocUnsafeSlow(pad + capacity); // its own memory, which malloc aligns
    return decoded.subarray(pad, pad + decoded.write(raw, pad, 'base64'));
  }
  // As many bytes as characters means all ASCII (JSON of numbers is): a plain copy, no UTF-8 encoding.
  return Buffer.from(raw, size === raw.length ? 'latin1' : 'utf8');
}

/** The body's size in bytes, refused with 413 when it is over the limit, without decoding it. */
export function checkSize(
  event: Pick<APIGatewayProxyEvent, 'body' | 'isBase64Encoded'>,
  maxBytes: number,
): number {
  const raw = event.body ?? '';
  // Base64 carries 3 bytes per 4 characters, less its padding: the size is known without decoding.
  const size = event.isBase64Encoded
    ? Math.floor((raw.length * 3) / 4) - (raw.endsWith('==') ? 2 : raw.endsWith('=') ? 1 : 0)
    : Buffer.byteLength(raw, 'utf8');
  if (size > maxBytes) {
    throw new PayloadTooLargeError(
      `request body of ${size} bytes is over the ${maxBytes}-byte limit`,
    );
  }
  return size;
}

/** The model (and version) a route's path names, validated. */
export function modelRef(pathParameters: APIGatewayProxyEvent['pathParameters']): ModelRef {
  const name = checkModelName(pathParameters?.name ?? '');
  const version = pathParameters?.version;
  return { name, version: version === undefined ? undefined : parseVersion(version) };
}
