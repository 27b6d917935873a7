import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

/** The one logger, metrics and tracer every handler shares. Level and switches come from POWERTOOLS_* env. */
export const SERVICE = 'maas';

export const logger = new Logger({ serviceName: SERVICE });
export const metrics = new Metrics({ namespace: SERVICE, serviceName: SERVICE });
export const tracer = new Tracer({ serviceName: SERVICE });
