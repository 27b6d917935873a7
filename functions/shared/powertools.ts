import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { METRICS_NAMESPACE, SERVICE } from '../../core/metrics.js';

/**
 * The one logger, metrics and tracer every handler shares. Log level and switches come from the
 * POWERTOOLS_* environment (POWERTOOLS_LOG_LEVEL, POWERTOOLS_DEV for pretty local logs).
 */
export const logger = new Logger({ serviceName: SERVICE });
export const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE });
export const tracer = new Tracer({ serviceName: SERVICE });

/**
 * Runs `work` in a trace subsegment of the current request's segment (in Lambda, with tracing on);
 * elsewhere it simply runs it.
 */
export async function traced<T>(name: string, work: () => Promise<T>): Promise<T> {
  const parent = tracer.getSegment();
  if (!tracer.isTracingEnabled() || parent === undefined) return work();
  const subsegment = parent.addNewSubsegment(`## ${name}`);
  tracer.setSegment(subsegment);
  try {
    return await work();
  } catch (error) {
    subsegment.addError(error as Error);
    throw error;
  } finally {
    subsegment.close();
    tracer.setSegment(parent);
  }
}
