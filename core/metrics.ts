/**
 * maas's CloudWatch metrics: the names the handlers emit (as EMF) and the alarms and dashboard read.
 * One list, so a renamed metric cannot leave an alarm watching nothing.
 */
export const METRICS_NAMESPACE = 'maas';
/** Powertools adds this dimension to every metric, with the service name as its value. */
export const SERVICE_DIMENSION = 'service';
export const SERVICE = 'maas';

export const METRIC = {
  /** Every API request the inference function answered. */
  requests: 'Requests',
  clientErrors: 'ClientErrors',
  serverErrors: 'ServerErrors',
  /** Handler time from event in to response out, ms. */
  latency: 'Latency',
  /** onnxruntime's run alone, ms. */
  inferenceLatency: 'InferenceLatency',
  bytesIn: 'BytesIn',
  bytesOut: 'BytesOut',
  /** Fetching, verifying and opening a model, ms. */
  modelLoadTime: 'ModelLoadTime',
  modelLoadFailures: 'ModelLoadFailures',
  /** Stored bytes that no longer match their sha256: never served. */
  integrityFailures: 'IntegrityFailures',
  cacheHits: 'CacheHits',
  cacheMisses: 'CacheMisses',
  cacheEvictions: 'CacheEvictions',
  /** Emitted by Powertools on a container's first invocation. */
  coldStart: 'ColdStart',
  /** Unversioned requests by the routing's choice (Role stable or canary): the canary alarm's input. */
  routedRequests: 'RoutedRequests',
  /** Of those, the ones that failed after the version was chosen. */
  routedErrors: 'RoutedErrors',
  /** Requests the authorizer refused (missing, unknown or revoked keys). */
  authRefusals: 'AuthRefusals',
  /**
   * Keys the authorizer failed to check (the keys table unreachable, its time limit, a bug): the
   * authorizer alarm's input. Lambda's own Errors metric counts every refused key as well, since a
   * refusal is a thrown 'Unauthorized' (API Gateway's signal for 401).
   */
  authFailures: 'AuthorizerFailures',
} as const;

export const DIMENSION = { model: 'Model', role: 'Role' } as const;

/** The dimensions of ColdStart, as Powertools writes it when given the function's name. */
export const COLD_START_DIMENSIONS = [SERVICE_DIMENSION, 'function_name'] as const;
