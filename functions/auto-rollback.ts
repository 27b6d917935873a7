import {
  CloudWatchClient,
  GetMetricDataCommand,
  type MetricDataQuery,
} from '@aws-sdk/client-cloudwatch';
import middy from '@middy/core';
import type { EventBridgeEvent } from 'aws-lambda';
import { createClients } from '../core/clients.js';
import { loadConfig, required } from '../core/config.js';
import {
  DIMENSION,
  METRIC,
  METRICS_NAMESPACE,
  SERVICE,
  SERVICE_DIMENSION,
} from '../core/metrics.js';
import { type CanaryHealth, endFailingCanaries } from '../core/models/auto-rollback.js';
import { lambdaContext, logger, tracer } from './shared/powertools.js';

/** The part of CloudWatch's alarm state change event (delivered by EventBridge) this function reads. */
export interface AlarmStateChange {
  readonly alarmName: string;
  readonly state: { readonly value: string; readonly reason: string; readonly timestamp: string };
}

const config = loadConfig(process.env);
const clients = createClients(config);
tracer?.captureAWSv3Client(clients.ddb);
const registry = { ddb: clients.ddb, modelsTable: required(config, 'modelsTable') };
const cloudwatch = new CloudWatchClient({ region: config.region });
tracer?.captureAWSv3Client(cloudwatch);

/** How far back the canary's and stable's error rates are compared: the alarm's own window. */
const WINDOW_MS = 10 * 60 * 1000;

/**
 * Ends failing canaries when the canary error-rate alarm goes to ALARM (wired by an EventBridge
 * rule). Other transitions (OK, INSUFFICIENT_DATA) change nothing.
 */
export const handler = middy<
  EventBridgeEvent<'CloudWatch Alarm State Change', AlarmStateChange>,
  void
>()
  .use(lambdaContext())
  .handler(async (event) => {
    const { alarmName, state } = event.detail;
    if (state.value !== 'ALARM') {
      logger.info('alarm state ignored', { alarm: alarmName, state: state.value });
      return;
    }
    const result = await endFailingCanaries(registry, {
      alarmName,
      reason: `alarm ${alarmName} fired at ${state.timestamp}: ${state.reason}`,
      marginPct: config.canaryErrorMarginPct,
      health: (models) => readHealth(models, new Date(Date.parse(event.time) || Date.now())),
    });
    logger.info('canaries ended by alarm', { alarm: alarmName, ...result });
  });

/** Sums each model's routed requests and errors by role over the window, from CloudWatch. */
async function readHealth(
  models: readonly string[],
  end: Date,
): Promise<ReadonlyMap<string, CanaryHealth>> {
  const query = (id: string, model: string, role: string, metric: string): MetricDataQuery => ({
    Id: id,
    MetricStat: {
      Metric: {
        Namespace: METRICS_NAMESPACE,
        MetricName: metric,
        Dimensions: [
          { Name: SERVICE_DIMENSION, Value: SERVICE },
          { Name: DIMENSION.role, Value: role },
          { Name: DIMENSION.model, Value: model },
        ],
      },
      Period: WINDOW_MS / 1000,
      Stat: 'Sum',
    },
  });
  const queries = models.flatMap((model, i) => [
    query(`cr${i}`, model, 'canary', METRIC.routedRequests),
    query(`ce${i}`, model, 'canary', METRIC.routedErrors),
    query(`sr${i}`, model, 'stable', METRIC.routedRequests),
    query(`se${i}`, model, 'stable', METRIC.routedErrors),
  ]);
  const out = await cloudwatch.send(
    new GetMetricDataCommand({
      MetricDataQueries: queries,
      StartTime: new Date(end.getTime() - WINDOW_MS),
      EndTime: end,
    }),
  );
  const sum = (id: string) =>
    (out.MetricDataResults ?? []).find((r) => r.Id === id)?.Values?.reduce((a, b) => a + b, 0) ?? 0;
  const rate = (errors: number, requests: number) => (requests === 0 ? 0 : errors / requests);
  return new Map(
    models.map((model, i) => [
      model,
      {
        canaryRequests: sum(`cr${i}`),
        canaryErrorRate: rate(sum(`ce${i}`), sum(`cr${i}`)),
        stableErrorRate: rate(sum(`se${i}`), sum(`sr${i}`)),
      },
    ]),
  );
}
