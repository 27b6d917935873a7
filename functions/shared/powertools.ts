import { Logger } from '@aws-lambda-powertools/logger';
import type { LogItemExtraInput, LogItemMessage } from '@aws-lambda-powertools/logger/types';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { METRICS_NAMESPACE, SERVICE } from '../../core/metrics.js';

/**
 * Powertools' Logger, given each invocation's Lambda context when the invocation writes its first line
 * through it rather than when it starts. Adding the context costs each request a read of the
 * environment inside Powertools (docs/benchmarks.md), and most requests write no line through the
 * logger: their request line is observe.ts's own. Lines read as they would with the context added at
 * the start, cold start included.
 */
export class InvocationLogger extends Logger {
  #pending: Context | undefined;
  #coldStartTaken = false;
  // Where one environment runs invocations at once, Powertools keeps the context per invocation;
  // a context waiting here would be shared between them, so it is added at once there.
  readonly #concurrent = (process.env.AWS_LAMBDA_MAX_CONCURRENCY ?? '') !== '';

  /** The invocation's context for its lines. */
  useContext(context: Context): void {
    if (this.#coldStartTaken && !this.#concurrent) {
      this.#pending = context;
      return;
    }
    // The first invocation is the cold start, whichever invocation writes the first line.
    this.#coldStartTaken = true;
    this.#pending = undefined;
    this.addContext(context);
  }

  protected override processLogItem(
    logLevel: number,
    input: LogItemMessage,
    extraInput: LogItemExtraInput,
  ): void {
    const pending = this.#pending;
    if (pending !== undefined) {
      this.#pending = undefined;
      this.addContext(pending);
    }
    super.processLogItem(logLevel, input, extraInput);
  }
}

/**
 * The one logger, metrics and tracer every handler shares. Log level and switches come from the
 * POWERTOOLS_* environment (POWERTOOLS_LOG_LEVEL, POWERTOOLS_DEV for pretty local logs).
 */
export const logger = new InvocationLogger({ serviceName: SERVICE });
export const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE });

/**
 * The invocation's Lambda context on every log line written while it runs: what Powertools'
 * injectLambdaContext does, minus what maas does not use (per-invocation debug sampling, event
 * logging, whose events would hold API keys, and log buffering), whose bookkeeping measured 10 to
 * 55 µs a request (docs/benchmarks.md).
 */
export function lambdaContext<TEvent, TResult>(): MiddlewareObj<TEvent, TResult> {
  return { before: (request) => logger.useContext(request.context) };
}

/**
 * Whether traces can be sent: in Lambda, unless POWERTOOLS_TRACE_ENABLED is 'false' (Powertools' own
 * rule, minus its SAM and Amplify mocks).
 */
const TRACING =
  (process.env.AWS_EXECUTION_ENV ?? '').startsWith('AWS_Lambda_nodejs') &&
  (process.env.AWS_SAM_LOCAL ?? '') === '' &&
  process.env.POWERTOOLS_TRACE_ENABLED?.toLowerCase() !== 'false';

// Loaded only where it traces: importing the tracer loads the X-Ray SDK, whose async hooks tax every
// promise of the process (measured in bench/: tens of microseconds a request) even with tracing off.
const tracerModules = TRACING
  ? await Promise.all([
      import('@aws-lambda-powertools/tracer'),
      import('@aws-lambda-powertools/tracer/middleware'),
    ])
  : undefined;

/** The tracer in Lambda; undefined locally (npm start, tests, the benchmark), where nothing is traced. */
export const tracer: Tracer | undefined =
  tracerModules && new tracerModules[0].Tracer({ serviceName: SERVICE });

/** The tracer's middy middleware (a segment per invocation), when there is a tracer. */
export function traceMiddleware<TEvent, TResult>(): MiddlewareObj<TEvent, TResult> | undefined {
  if (tracer === undefined || tracerModules === undefined) return undefined;
  return tracerModules[1].captureLambdaHandler(tracer, { captureResponse: false }) as MiddlewareObj<
    TEvent,
    TResult
  >;
}

/** Runs work in a trace subsegment of the current segment, when `tracer` is tracing; else just runs it. */
export function traceWith(
  tracer: Pick<Tracer, 'getSegment' | 'setSegment' | 'isTracingEnabled'> | undefined,
) {
  return async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const parent = tracer?.getSegment();
    if (tracer === undefined || !tracer.isTracingEnabled() || parent === undefined) return work();
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
  };
}

/** Runs `work` in a subsegment of the current request's trace (in Lambda); elsewhere it simply runs it. */
export const traced = traceWith(tracer);
