import { getBooleanFromEnv, isDevMode } from '@aws-lambda-powertools/commons/utils/env';
import { LogLevelThreshold } from '@aws-lambda-powertools/logger';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import type { ServeNotes } from '../../core/inference/endpoints.js';
import type { CacheEvent } from '../../core/inference/sessions.js';
import {
  DIMENSION,
  METRIC,
  METRICS_NAMESPACE,
  SERVICE,
  SERVICE_DIMENSION,
} from '../../core/metrics.js';
import type { RouteId } from '../../core/oip/routes.js';
import { writeText } from './output.js';
import { logger, metrics } from './powertools.js';

/** What a request was about, filled in by the handler as it learns it. Never tensor data or secrets. */
export interface RequestFacts {
  route?: RouteId;
  model?: string | undefined;
  /** The API key's name (not its secret). */
  key?: string;
  /** The body's size once read: measuring a large text body again would cost a scan of it. */
  bytesIn?: number;
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

type LevelName = 'INFO' | 'WARN' | 'ERROR';
const SERVICE_JSON = JSON.stringify(SERVICE);

/**
 * One line per request, written when the response is known (after the error mapper, so failures count
 * with their real status): the structured log line, carrying the request's metrics in CloudWatch's
 * embedded metric format. One line instead of a log line plus a Powertools Metrics document halves the
 * writes and skips Metrics' per-call bookkeeping: it was most of a small model's overhead (bench/,
 * docs/benchmarks.md). Written synchronously, so concurrent requests in the local server never mix.
 */
export const observe = (): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> => {
  let cold = true;
  // Powertools' rules: no EMF when POWERTOOLS_METRICS_DISABLED says so or, unless it is set, in dev
  // mode, where lines are pretty-printed for a person at a terminal.
  const withMetrics = !(process.env.POWERTOOLS_METRICS_DISABLED === undefined
    ? isDevMode()
    : getBooleanFromEnv({ key: 'POWERTOOLS_METRICS_DISABLED', extendedParsing: true }));
  const indent = isDevMode() ? 4 : undefined; // Powertools' pretty indent
  // Read once: Powertools looks the level up (and the environment) on every read, and maas never
  // changes it after init (no per-invocation debug sampling).
  const threshold = logger.level;
  // Synchronous: middy awaits only what returns a promise, and the line has nothing to wait for.
  const emit = (request: {
    event: APIGatewayProxyEvent;
    response?: APIGatewayProxyResult | null | undefined;
    context?: Pick<Context, 'functionName' | 'awsRequestId'>;
  }) => {
    const tracked = facts.get(request.event) ?? { started: performance.now(), notes: {} };
    facts.delete(request.event);
    const response = request.response;
    const status = response?.statusCode ?? 500;
    const latencyMs = performance.now() - tracked.started;
    const bytesIn =
      tracked.bytesIn ?? byteLength(request.event.body, request.event.isBase64Encoded);
    const bytesOut = byteLength(response?.body, response?.isBase64Encoded === true);
    const { notes } = tracked;
    const level: LevelName = status >= 500 ? 'ERROR' : status >= 400 ? 'WARN' : 'INFO';
    // The log level hides the line, never the metrics: the alarms and dashboard read them.
    const shown = LogLevelThreshold[level] >= threshold;
    if (!shown && !withMetrics) return;

    // The line's JSON written field by field, in the order an object would give them: an object to
    // stringify, a Date to print and a second object for the metrics took 37 µs of Silero's request,
    // this 26 (docs/benchmarks.md). Undefined fields are left out, as JSON.stringify leaves them out.
    const now = Date.now();
    let text = shown
      ? // The fields Powertools' Logger puts on each of its lines, so every line reads alike.
        `{"level":"${level}","message":"request","timestamp":"${isoTimestamp(now)}","service":${SERVICE_JSON},"cold_start":${cold}` +
        field('function_name', request.context?.functionName) +
        field('function_request_id', request.context?.awsRequestId) +
        field('xray_trace_id', traceId()) +
        field('route', tracked.route) +
        field('model', tracked.model) +
        field('version', notes.version) +
        field('role', notes.role) +
        field('key', tracked.key) +
        `,"status":${status},"latency_ms":${round(latencyMs)}` +
        field(
          'inference_ms',
          notes.inferenceMs === undefined ? undefined : round(notes.inferenceMs),
        ) +
        field('model_loaded', notes.loaded) +
        `,"bytes_in":${bytesIn},"bytes_out":${bytesOut}` +
        field('cold_start_request', cold || undefined) +
        field('error', status >= 400 ? errorMessage(response) : undefined)
      : `{"service":${SERVICE_JSON}`;
    if (withMetrics) {
      // Per model only once the model is known to exist: made-up names cannot create metrics.
      const model = notes.version === undefined ? undefined : tracked.model;
      const routed = notes.role === 'stable' || notes.role === 'canary';
      const cache =
        notes.loaded === undefined && notes.inferenceMs === undefined
          ? undefined
          : notes.loaded
            ? METRIC.cacheMisses
            : METRIC.cacheHits;
      // Dimension values and metrics; the service's dimension is the line's own `service` field.
      text +=
        field(DIMENSION.model, model) +
        field(DIMENSION.role, routed ? notes.role : undefined) +
        `,"${METRIC.requests}":1` +
        `,"${METRIC.clientErrors}":${status >= 400 && status < 500 ? 1 : 0}` +
        `,"${METRIC.serverErrors}":${status >= 500 ? 1 : 0}` +
        field(METRIC.latency, latencyMs) +
        `,"${METRIC.bytesIn}":${bytesIn},"${METRIC.bytesOut}":${bytesOut}` +
        field(METRIC.inferenceLatency, notes.inferenceMs) +
        (cache === undefined ? '' : `,"${cache}":1`) +
        (routed
          ? `,"${METRIC.routedRequests}":1,"${METRIC.routedErrors}":${status >= 400 ? 1 : 0}`
          : '');
      const directives = directivesJson(
        model !== undefined,
        notes.inferenceMs !== undefined,
        cache,
        routed,
      );
      text += `,"_aws":{"Timestamp":${now},"CloudWatchMetrics":${directives}}`;
    }
    text += '}';
    if (indent !== undefined) text = JSON.stringify(JSON.parse(text), undefined, indent);
    writeText(process.stdout, `${text}\n`);

    // Named, so ColdStart carries COLD_START_DIMENSIONS, which the dashboard searches.
    if (cold) metrics.captureColdStartMetric(request.context?.functionName);
    cold = false;
  };
  return { before: (request) => void factsOf(request.event), after: emit, onError: emit };
};

// Indexed by the four choices below, so a request finds its text without building a key.
const directiveTexts: (string | undefined)[] = [];

/**
 * The EMF directives of a request's metrics, as JSON: the request metrics overall (and per model when
 * known), and for routed requests their own directive with Role in every dimension set, which the
 * canary alarm compares. Every dimension set is led by the service, as Powertools does.
 */
function directivesJson(
  perModel: boolean,
  inference: boolean,
  cache: string | undefined,
  routed: boolean,
): string {
  const key =
    (perModel ? 1 : 0) |
    (inference ? 2 : 0) |
    (routed ? 4 : 0) |
    (cache === undefined ? 0 : cache === METRIC.cacheHits ? 8 : 16);
  let text = directiveTexts[key];
  if (text === undefined) {
    const requestMetrics: [string, string][] = [
      [METRIC.requests, MetricUnit.Count],
      [METRIC.clientErrors, MetricUnit.Count],
      [METRIC.serverErrors, MetricUnit.Count],
      [METRIC.latency, MetricUnit.Milliseconds],
      [METRIC.bytesIn, MetricUnit.Bytes],
      [METRIC.bytesOut, MetricUnit.Bytes],
    ];
    if (inference) requestMetrics.push([METRIC.inferenceLatency, MetricUnit.Milliseconds]);
    if (cache !== undefined) requestMetrics.push([cache, MetricUnit.Count]);
    const directives = [directive(requestMetrics, perModel ? [[], [DIMENSION.model]] : [[]])];
    if (routed) {
      directives.push(
        directive(
          [
            [METRIC.routedRequests, MetricUnit.Count],
            [METRIC.routedErrors, MetricUnit.Count],
          ],
          [[DIMENSION.role], [DIMENSION.role, DIMENSION.model]],
        ),
      );
    }
    text = JSON.stringify(directives);
    directiveTexts[key] = text;
  }
  return text;
}

function directive(metrics: readonly [string, string][], dimensionSets: readonly string[][]) {
  return {
    Namespace: METRICS_NAMESPACE,
    Dimensions: dimensionSets.map((set) => [SERVICE_DIMENSION, ...set]),
    Metrics: metrics.map(([Name, Unit]) => ({ Name, Unit })),
  };
}

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
  if (!base64) return Buffer.byteLength(body, 'utf8');
  const padding = body.endsWith('==') ? 2 : body.endsWith('=') ? 1 : 0;
  return Math.floor((body.length * 3) / 4) - padding;
}

function errorMessage(response: APIGatewayProxyResult | null | undefined): string | undefined {
  try {
    return (JSON.parse(response?.body ?? '') as { error?: string }).error;
  } catch {
    return undefined;
  }
}

/** `,"key":value` in JSON, or nothing for undefined, as JSON.stringify leaves such a field out. */
function field(key: string, value: string | number | boolean | undefined): string {
  return value === undefined ? '' : `,"${key}":${JSON.stringify(value)}`;
}

interface LambdaGlobal {
  readonly awslambda?: { readonly InvokeStore?: { getXRayTraceId(): string | undefined } };
}

const TRACE_ROOT = /Root=([^;]+)/;

/**
 * The invocation's X-Ray trace id, where Powertools finds it: in the runtime's per-invocation store
 * when it has one (invocations running at once share one environment), else in the environment,
 * which Lambda sets per invocation. Either holds the trace header or the bare id.
 */
function traceId(): string | undefined {
  const header =
    (globalThis as LambdaGlobal).awslambda?.InvokeStore?.getXRayTraceId() ??
    process.env._X_AMZN_TRACE_ID;
  if (header === undefined || header === '') return undefined;
  return header.includes('=') ? header.match(TRACE_ROOT)?.[1] : header;
}

let minuteStart = Number.NaN;
let minutePrefix = '';

/**
 * `new Date(ms).toISOString()`, without a Date and its printing per line: all but the seconds change
 * once a minute (UTC minutes are all 60 seconds long in JavaScript's time).
 */
export function isoTimestamp(ms: number): string {
  let into = ms - minuteStart;
  if (!(into >= 0 && into < 60_000)) {
    into = ((ms % 60_000) + 60_000) % 60_000;
    minuteStart = ms - into;
    minutePrefix = new Date(minuteStart).toISOString().slice(0, -7); // up to 'ss.sssZ'
  }
  const seconds = Math.floor(into / 1000);
  const millis = into % 1000;
  return `${minutePrefix}${seconds < 10 ? '0' : ''}${seconds}.${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}Z`;
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
