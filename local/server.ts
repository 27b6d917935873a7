import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type {
  APIGatewayAuthorizerResult,
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
  APIGatewayTokenAuthorizerEvent,
  Context,
} from 'aws-lambda';
import { AUTH_UNAVAILABLE_MESSAGE, UNAUTHORIZED_MESSAGE } from '../core/auth/api-keys.js';
import { DEFAULT_FUNCTION_TIMEOUT_SECONDS } from '../core/config.js';
import { quote } from '../core/models/names.js';
import { isBinaryMediaType, matchRoute, ROUTES } from '../core/oip/routes.js';

/** The Lambda handlers the local server puts behind HTTP, exactly as API Gateway would. */
export interface LocalHandlers {
  readonly inference: (
    event: APIGatewayProxyEvent,
    context: Context,
  ) => Promise<APIGatewayProxyResult>;
  readonly authorizer: (
    event: APIGatewayTokenAuthorizerEvent,
    context: Context,
  ) => Promise<APIGatewayAuthorizerResult>;
}

export interface ServerOptions {
  readonly port: number;
  readonly handlers: LocalHandlers;
  /** Bodies over this are refused with 413 before they are read (API Gateway and Lambda have hard caps). */
  readonly maxBodyBytes: number;
  /** How long an authorizer answer is reused per key, as API Gateway's authorizer cache does. */
  readonly authCacheTtlMs: number;
}

export interface LocalServer {
  readonly url: string;
  readonly port: number;
  /** Stops accepting connections and resolves once in-flight requests have been answered. */
  close(): Promise<void>;
}

/** Serves the handlers on 127.0.0.1: node:http request -> API Gateway REST proxy event -> response. */
export async function startServer(options: ServerOptions): Promise<LocalServer> {
  const authCache = new Map<string, { at: number; context: Record<string, string> }>();
  const inFlight = new Set<Promise<void>>();

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const done = serve(req, res, options, authCache)
      .catch((error: unknown) => {
        // The handler maps every error itself; reaching here is a bug in this server, so say so plainly.
        console.error('local server error', error);
        if (!res.headersSent) send(res, 500, { error: 'internal error' });
      })
      .finally(() => inFlight.delete(done));
    inFlight.add(done);
  };
  const server = createServer(handle);
  // A client that asks before sending (curl does, for bodies over 1 MB) is refused a body it declares
  // over the limit before it sends one.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > options.maxBodyBytes)
      return refuseTooLarge(req, res, declared, options.maxBodyBytes);
    res.writeContinue();
    handle(req, res);
  });
  // What Node's HTTP layer refuses before any handler runs answers in the protocol's shape too (on AWS,
  // API Gateway answers these itself).
  server.on('checkExpectation', (_req: IncomingMessage, res: ServerResponse) =>
    send(res, 417, { error: 'unsupported Expect header: only 100-continue is understood' }),
  );
  server.on('clientError', refuseMalformed);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // Requests still arriving on open connections join in meanwhile: wait for those too.
      while (inFlight.size > 0) await Promise.all(inFlight);
      server.closeAllConnections(); // keep-alive sockets would otherwise hold close() open
      await closed;
    },
  };
}

async function serve(
  req: IncomingMessage,
  res: ServerResponse,
  options: ServerOptions,
  authCache: Map<string, { at: number; context: Record<string, string> }>,
): Promise<void> {
  // The path exactly as sent: URL parsing would resolve '..' segments, letting `/v2/models/..` reach
  // another route instead of being refused as a model name.
  const target = req.url ?? '/';
  const query = target.indexOf('?');
  const path = query === -1 ? target : target.slice(0, query);
  const search = query === -1 ? '' : target.slice(query + 1); // all of it, later '?'s included
  const method = req.method ?? 'GET';
  const route = matchRoute(method, path);
  if (route === undefined)
    return send(res, 404, { error: `no route for ${method} ${quote(path)}` });

  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > options.maxBodyBytes)
    return refuseTooLarge(req, res, declared, options.maxBodyBytes);
  // The key is checked before the body is read, so strangers cannot make the server buffer anything.
  const context = lambdaContext(route.id);
  let authorizer: Record<string, string> | undefined;
  try {
    authorizer = await authorize(req, method, path, options, authCache, context);
  } catch (error) {
    // The authorizer failed rather than refused (its store is down): API Gateway's AUTHORIZER_FAILURE.
    console.error('authorizer failed', (error as Error).message);
    return send(res, 503, { error: AUTH_UNAVAILABLE_MESSAGE });
  }
  if (authorizer === undefined) return send(res, 401, { error: UNAUTHORIZED_MESSAGE });
  const body = await readBody(req, options.maxBodyBytes);
  if (body === undefined) return refuseTooLarge(req, res, undefined, options.maxBodyBytes);

  const contentType = req.headers['content-type']?.split(';')[0]?.trim().toLowerCase() ?? '';
  const binary = isBinaryMediaType(contentType);
  const event: APIGatewayProxyEvent = {
    resource: ROUTES[route.id].path,
    path,
    httpMethod: method,
    headers: singleHeaders(req),
    multiValueHeaders: multiHeaders(req),
    queryStringParameters: search === '' ? null : Object.fromEntries(new URLSearchParams(search)),
    multiValueQueryStringParameters: null,
    pathParameters: Object.keys(route.pathParameters).length === 0 ? null : route.pathParameters,
    stageVariables: null,
    body: body.byteLength === 0 ? null : body.toString(binary ? 'base64' : 'utf8'),
    isBase64Encoded: binary,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      authorizer,
      httpMethod: method,
      identity: {
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
      } as APIGatewayProxyEvent['requestContext']['identity'],
      path,
      protocol: `HTTP/${req.httpVersion}`,
      requestId: context.awsRequestId,
      requestTimeEpoch: Date.now(),
      resourceId: route.id,
      resourcePath: ROUTES[route.id].path,
      stage: 'local',
    },
  };
  const result = await options.handlers.inference(event, context);
  const payload = result.isBase64Encoded
    ? Buffer.from(result.body, 'base64')
    : Buffer.from(result.body, 'utf8');
  res.writeHead(result.statusCode, {
    ...stringHeaders(result.headers),
    'content-length': payload.byteLength,
  });
  res.end(payload);
}

/** Runs the authorizer function like API Gateway: cached per key, 'Unauthorized' means 401. */
async function authorize(
  req: IncomingMessage,
  method: string,
  path: string,
  options: ServerOptions,
  cache: Map<string, { at: number; context: Record<string, string> }>,
  context: Context,
): Promise<Record<string, string> | undefined> {
  const token = req.headers.authorization;
  if (token === undefined || token === '') return undefined; // API Gateway answers 401 without a call
  const cached = cache.get(token);
  if (cached !== undefined && Date.now() - cached.at < options.authCacheTtlMs)
    return cached.context;
  try {
    const result = await options.handlers.authorizer(
      {
        type: 'TOKEN',
        authorizationToken: token,
        methodArn: `arn:aws:execute-api:local:000000000000:local/local/${method}${path}`,
      },
      context,
    );
    const allowed = result.policyDocument.Statement.some((s) => s.Effect === 'Allow');
    if (!allowed) return undefined;
    const granted = Object.fromEntries(
      Object.entries(result.context ?? {}).map(([k, v]) => [k, String(v)]),
    );
    cache.set(token, { at: Date.now(), context: granted });
    if (cache.size > 10_000) cache.delete(cache.keys().next().value as string);
    return granted;
  } catch (error) {
    if ((error as Error).message === 'Unauthorized') return undefined;
    throw error;
  }
}

/** Reads the body, or returns undefined as soon as it passes the limit (the rest is never buffered). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > limit) {
        req.removeAllListeners('data');
        req.pause();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks, size)));
    req.on('error', reject);
  });
}

/** How much of a refused body is read and dropped before the connection is cut instead. */
const DRAIN_LIMIT_BYTES = 64 * 1024 * 1024;

function refuseTooLarge(
  req: IncomingMessage,
  res: ServerResponse,
  size: number | undefined,
  limit: number,
): void {
  const what = size === undefined ? 'request body' : `request body of ${size} bytes`;
  send(res, 413, { error: `${what} is over the ${limit}-byte limit` });
  // The client is most likely still sending. Closing now would make the kernel answer the rest with
  // a reset, and most clients then lose the 413 they were sent: read the rest and drop it, within a
  // bound (API Gateway itself takes 10 MB), then the connection goes on as ever.
  let drained = 0;
  req.removeAllListeners('data');
  req.on('data', (chunk: Buffer) => {
    drained += chunk.byteLength;
    if (drained > DRAIN_LIMIT_BYTES) req.destroy();
  });
  req.resume();
}

/** A request Node's parser refused: an answer in the protocol's shape, then the connection closed. */
function refuseMalformed(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
  const body = JSON.stringify({
    error:
      status === 431
        ? 'request headers too large'
        : `malformed HTTP request${error.code === undefined ? '' : ` (${error.code})`}`,
  });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const payload = Buffer.from(JSON.stringify(body));
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': payload.byteLength,
  });
  res.end(payload);
}

function lambdaContext(route: string): Context {
  // The deadline of a deployed function with the default timeout: middy arms its time-limit timer per
  // request, as in Lambda (functions/shared/middleware.ts).
  const deadline = Date.now() + DEFAULT_FUNCTION_TIMEOUT_SECONDS * 1000;
  return {
    getRemainingTimeInMillis: () => deadline - Date.now(),
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'maas-local',
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:maas-local:${route}`,
    memoryLimitInMB: '0',
    awsRequestId: randomUUID(),
    logGroupName: 'local',
    logStreamName: 'local',
  } as Context;
}

/** A header sent more than once keeps its last value, as in API Gateway's REST proxy events. */
function singleHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    out[req.rawHeaders[i] as string] = req.rawHeaders[i + 1] as string;
  }
  return out;
}

function multiHeaders(req: IncomingMessage): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i] as string;
    const values = out[name] ?? [];
    values.push(req.rawHeaders[i + 1] as string);
    out[name] = values;
  }
  return out;
}

function stringHeaders(headers: APIGatewayProxyResult['headers']): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).map(([k, v]) => [k, String(v)]));
}
