import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { createClients } from '../core/clients.js';
import { loadConfig } from '../core/config.js';
import { loadAllocator, loadMallopt } from '../core/inference/allocator.js';
import * as endpoints from '../core/inference/endpoints.js';
import { createServing, preloadModels } from '../core/inference/serving.js';
import { NotFoundError } from '../core/oip/errors.js';
import { parseJson } from '../core/oip/json.js';
import { preparePrinter } from '../core/oip/number-print.js';
import { prepareScanner } from '../core/oip/number-scan.js';
import {
  HEADER_LENGTH_HEADER,
  type ParsedInferRequest,
  parseInferBase64,
  parseInferBody,
  parseInferText,
} from '../core/oip/request.js';
import { encodeInferResponse, leastEncodedBytes } from '../core/oip/response.js';
import { routeOf } from '../core/oip/routes.js';
import { parseWith, RepositoryIndexRequestSchema } from '../core/oip/schemas.js';
import {
  body,
  bytes,
  checkLeastAnswerSize,
  checkSize,
  header,
  json,
  modelRef,
  ok,
} from './shared/http.js';
import { standardMiddy } from './shared/middleware.js';
import { factsOf, observeCache } from './shared/observe.js';
import { logger, traced, tracer } from './shared/powertools.js';
import { principalOf } from './shared/principal.js';

// Every protocol route in one function, so metadata, readiness and inference share one warm session cache.
const config = loadConfig(process.env); // a bad setting fails the cold start, not the 1000th request
const clients = createClients(config);
// Traced: every S3 and DynamoDB call becomes a subsegment of the request's trace.
tracer?.captureAWSv3Client(clients.s3);
tracer?.captureAWSv3Client(clients.ddb);
// glibc's allocator set for model loads, so their freed buffers go back to the system (allocator.ts).
const malloc = await loadMallopt();
if (malloc.mallopt === undefined && malloc.missing !== undefined)
  logger.warn('model loads run with the allocator defaults: memory may grow', {
    reason: malloc.missing,
  });
const serving = createServing(config, clients, {
  onCacheEvent: observeCache,
  traceLoad: traced,
  allocator: loadAllocator(malloc.mallopt),
  onStale: (model, error) =>
    logger.warn('registry unreachable: serving last known records', {
      model,
      error: error as Error,
    }),
});
await preloadModels(serving, config.preloadModels, logger); // during init: warm before the first request
// The JSON number scanner and printer are assembled from their text once per process, 7-9 ms each:
// queued for the first pause, such as a cold start's first request waiting on S3 for its model, so
// that few responses wait for them. A request that needs one sooner assembles it there and then.
setImmediate(() => {
  prepareScanner();
  preparePrinter();
}).unref();

export const handler = standardMiddy().handler(
  async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const facts = factsOf(event);
    const route = routeOf(event.httpMethod, event.resource);
    if (route === undefined)
      throw new NotFoundError(`no route for ${event.httpMethod} ${event.path}`);
    facts.route = route;
    const principal = principalOf(event.requestContext.authorizer);
    facts.key = principal.keyName;
    // Checked once; a model route without a name is refused below, as ever.
    const named =
      event.pathParameters?.name === undefined ? undefined : modelRef(event.pathParameters);
    facts.model = named?.name;
    switch (route) {
      case 'serverMetadata':
        return json(200, endpoints.serverMetadata());
      case 'serverLive':
        return ok();
      case 'serverReady':
        await endpoints.serverReady(serving);
        return ok();
      case 'modelMetadata':
      case 'versionMetadata':
        return json(
          200,
          await endpoints.modelMetadata(
            serving,
            principal,
            named ?? modelRef(event.pathParameters),
          ),
        );
      case 'modelReady':
      case 'versionReady':
        await endpoints.modelReady(serving, principal, named ?? modelRef(event.pathParameters));
        return ok();
      case 'repositoryIndex': {
        const received = body(event, config.maxBodyBytes);
        facts.bytesIn = received.byteLength;
        const text = received.toString('utf8');
        const options = parseWith(
          RepositoryIndexRequestSchema,
          text.trim() === '' ? {} : parseJson(text),
          'index request',
        );
        return json(200, await endpoints.repositoryIndex(serving, principal, options));
      }
      case 'modelInfer':
      case 'versionInfer': {
        const result = await endpoints.infer(
          serving,
          principal,
          named ?? modelRef(event.pathParameters),
          () => {
            const { parsed, bytesIn } = inferRequest(event, config.maxBodyBytes);
            facts.bytesIn = bytesIn;
            return parsed;
          },
          facts.notes,
        );
        checkLeastAnswerSize(leastEncodedBytes(result), result.binaryOutputs.size > 0);
        const encoded = encodeInferResponse(result);
        return bytes(200, encoded.body, encoded.headers);
      }
    }
  },
);

/**
 * The inference request in an event's body. API Gateway hands every body over base64-encoded
 * (BINARY_MEDIA_TYPES): a JSON body (no Inference-Header-Content-Length) is decoded straight into the
 * number scanner's memory, or, delivered as text, parsed from the text when that is ASCII, as JSON of
 * numbers is. Anything else is parsed from its bytes, binary tensors decoded 8-byte aligned so they
 * are used where they lie.
 */
function inferRequest(
  event: APIGatewayProxyEvent,
  maxBytes: number,
): { parsed: ParsedInferRequest; bytesIn: number } {
  const headerLength = header(event, HEADER_LENGTH_HEADER);
  if (headerLength === undefined) {
    if (!event.isBase64Encoded && event.body && event.body.length <= maxBytes) {
      const parsed = parseInferText(event.body);
      if (parsed !== undefined) return { parsed, bytesIn: event.body.length };
    }
    if (event.isBase64Encoded && event.body) {
      const size = checkSize(event, maxBytes);
      const parsed = parseInferBase64(event.body);
      if (parsed !== undefined) return { parsed, bytesIn: size };
    }
    const received = body(event, maxBytes);
    return { parsed: parseInferBody(received, undefined), bytesIn: received.byteLength };
  }
  const received = body(event, maxBytes, Number(headerLength));
  return { parsed: parseInferBody(received, headerLength), bytesIn: received.byteLength };
}
