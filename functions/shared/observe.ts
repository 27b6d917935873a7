import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { ServeNotes } from '../../core/inference/endpoints.js';
import type { CacheEvent } from '../../core/inference/sessions.js';
import { DIMENSION, METRIC, METRICS_NAMESPACE, SERVICE } from '../../core/metrics.js';
import type { RouteId } from '../../core/oip/routes.js';
import { logger, metrics } from './powertools.js';

/** What a request was about, filled in by the handler as it learns it. Never tensor data or secrets. */
export interface RequestFacts {
  route?: RouteId;
  model?: string | undefined;
  /** The API key's name (not its secret). */
  key?: string;
  readonly notes: ServeNotes;
}

interface Tracked extends RequestFacts {
  readonly started: number;
}

const facts = new WeakMap<object, Tracked>();

/** The facts of the request this event belongs to. */
export function factsOf(event: object): RequestFacts {
  let tracked = facts.get(event);
  if (tracked === undefined) {
    tracked = { started: performance.now(), notes: {} };
    facts.set(event, tracked);
  }
  return tracked;
}

// Routing metrics carry their own dimensions (Role), so they go through their own instance.
const routingMetrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE });

/**
 * One structured log line and one set of EMF metrics per request, written when the response is known
 * (after the error mapper, so failures count with their real status). Emitted synchronously, so
 * concurrent requests in the local server never mix their dimensions.
 */
export const observe = (): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> => {
  let cold = true;
  const emit = async (request: {
    event: APIGatewayProxyEvent;
    response?: APIGatewayProxyResult | null | undefined;
  }) => {
    const tracked = facts.get(request.event) ?? { started: performance.now(), notes: {} };
    facts.delete(request.event);
    const response = request.response;
    const status = response?.statusCode ?? 500;
    const latencyMs = performance.now() - tracked.started;
    const bytesIn = byteLength(request.event.body, request.event.isBase64Encoded);
    const bytesOut = byteLength(response?.body, response?.isBase64Encoded === true);
    const { notes } = tracked;

    const line = {
      route: tracked.route,
      model: tracked.model,
      version: notes.version,
      role: notes.role,
      key: tracked.key,
      status,
      latency_ms: round(latencyMs),
      inference_ms: notes.inferenceMs === undefined ? undefined : round(notes.inferenceMs),
      model_loaded: notes.loaded,
      bytes_in: bytesIn,
      bytes_out: bytesOut,
      cold_start_request: cold || undefined,
      error: status >= 400 ? errorMessage(response) : undefined,
    };
    if (status >= 500) logger.error('request', line);
    else if (status >= 400) logger.warn('request', line);
    else logger.info('request', line);

    if (cold) metrics.captureColdStartMetric();
    cold = false;
    metrics.addMetric(METRIC.requests, MetricUnit.Count, 1);
    metrics.addMetric(METRIC.clientErrors, MetricUnit.Count, status >= 400 && status < 500 ? 1 : 0);
    metrics.addMetric(METRIC.serverErrors, MetricUnit.Count, status >= 500 ? 1 : 0);
    metrics.addMetric(METRIC.latency, MetricUnit.Milliseconds, latencyMs);
    if (notes.inferenceMs !== undefined)
      metrics.addMetric(METRIC.inferenceLatency, MetricUnit.Milliseconds, notes.inferenceMs);
    metrics.addMetric(METRIC.bytesIn, MetricUnit.Bytes, bytesIn);
    metrics.addMetric(METRIC.bytesOut, MetricUnit.Bytes, bytesOut);
    if (notes.loaded !== undefined || notes.inferenceMs !== undefined) {
      metrics.addMetric(notes.loaded ? METRIC.cacheMisses : METRIC.cacheHits, MetricUnit.Count, 1);
    }
    // Per model only once the model is known to exist: a stream of made-up names cannot create metrics.
    metrics.addDimensions({});
    if (tracked.model !== undefined && notes.version !== undefined)
      metrics.addDimensions({ [DIMENSION.model]: tracked.model });
    metrics.publishStoredMetrics();

    if (notes.role === 'stable' || notes.role === 'canary') {
      routingMetrics.setDefaultDimensions({ [DIMENSION.role]: notes.role });
      routingMetrics.addDimensions({});
      routingMetrics.addDimensions({ [DIMENSION.model]: tracked.model as string });
      routingMetrics.addMetric(METRIC.routedRequests, MetricUnit.Count, 1);
      routingMetrics.addMetric(METRIC.routedErrors, MetricUnit.Count, status >= 400 ? 1 : 0);
      routingMetrics.publishStoredMetrics();
    }
  };
  return { before: (request) => void factsOf(request.event), after: emit, onError: emit };
};

/** Logs and metrics for the session cache's own events (loads, failures, evictions). */
export function observeCache(event: CacheEvent): void {
  if (event.type === 'hit' || event.type === 'miss') return; // counted per request, with its status
  const single = metrics.singleMetric();
  // Overall (the alarms watch it) and per model (the dashboard shows it).
  single.addDimensions({});
  single.addDimensions({ [DIMENSION.model]: event.key.split('@')[0] as string });
  switch (event.type) {
    case 'loaded':
      logger.info('model loaded', {
        model: event.key,
        load_ms: round(event.ms),
        bytes: event.bytes,
      });
      single.addMetric(METRIC.modelLoadTime, MetricUnit.Milliseconds, event.ms);
      return;
    case 'evicted':
      logger.info('model evicted', { model: event.key, bytes: event.bytes });
      single.addMetric(METRIC.cacheEvictions, MetricUnit.Count, 1);
      return;
    case 'load-failed': {
      const integrity = (event.error as Error).name === 'IntegrityError';
      logger.error('model load failed', { model: event.key, error: event.error as Error });
      single.addMetric(
        integrity ? METRIC.integrityFailures : METRIC.modelLoadFailures,
        MetricUnit.Count,
        1,
      );
    }
  }
}

function byteLength(body: string | null | undefined, base64: boolean | undefined): number {
  if (body === null || body === undefined) return 0;
  return base64 ? Math.floor((body.length * 3) / 4) : Buffer.byteLength(body, 'utf8');
}

function errorMessage(response: APIGatewayProxyResult | null | undefined): string | undefined {
  try {
    return (JSON.parse(response?.body ?? '') as { error?: string }).error;
  } catch {
    return undefined;
  }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
