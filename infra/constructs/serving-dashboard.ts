import { Duration, Stack } from 'aws-cdk-lib';
import type { Stage } from 'aws-cdk-lib/aws-apigateway';
import {
  AlarmStatusWidget,
  Dashboard,
  GraphWidget,
  type IAlarm,
  type IWidget,
  MathExpression,
  TextWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import {
  COLD_START_DIMENSIONS,
  DIMENSION,
  METRIC,
  METRICS_NAMESPACE,
  SERVICE_DIMENSION,
} from '../../core/metrics.js';
import { maasMetric } from './maas-metrics.js';

export interface ServingDashboardProps {
  readonly stage: Stage;
  readonly inference: IFunction;
  readonly alarms: readonly IAlarm[];
  readonly runbookUrl: string;
}

const PERIOD = Duration.minutes(5);

/**
 * One CloudWatch dashboard for the alert responder: the alarms' states, traffic, errors, latency
 * percentiles, cold starts and model loads, overall and per model. Every metric name comes from
 * core/metrics.ts, the list the handlers emit.
 */
export class ServingDashboard extends Construct {
  public readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: ServingDashboardProps) {
    super(scope, id);
    const metric = (name: string, statistic: string, label?: string) =>
      maasMetric(name, { statistic, period: PERIOD, ...(label === undefined ? {} : { label }) });
    /** One line per model: EMF publishes each metric per Model as well (models that exist only). */
    const perModel = (name: string, statistic: string, label: string) =>
      new MathExpression({
        expression: `SEARCH('{${METRICS_NAMESPACE},${SERVICE_DIMENSION},${DIMENSION.model}} MetricName="${name}"', '${statistic}', ${PERIOD.toSeconds()})`,
        label,
        period: PERIOD,
      });
    const byRole = (name: string) =>
      new MathExpression({
        expression: `SEARCH('{${METRICS_NAMESPACE},${SERVICE_DIMENSION},${DIMENSION.role}} MetricName="${name}"', 'Sum', 60)`,
        label: name,
        period: Duration.minutes(1),
      });

    const widgets: IWidget[][] = [
      [
        new TextWidget({
          markdown: `# maas\nAlarms link their section of the [runbook](${props.runbookUrl}). Metrics: namespace \`${METRICS_NAMESPACE}\`.`,
          width: 24,
          height: 2,
        }),
      ],
      [new AlarmStatusWidget({ title: 'Alarms', alarms: [...props.alarms], width: 24, height: 4 })],
      [
        new GraphWidget({
          title: 'Requests',
          left: [metric(METRIC.requests, 'Sum', 'requests')],
          right: [props.stage.metricCount({ period: PERIOD, label: 'API Gateway requests' })],
          width: 8,
        }),
        new GraphWidget({
          title: 'Errors',
          left: [
            metric(METRIC.clientErrors, 'Sum', '4xx (function)'),
            metric(METRIC.serverErrors, 'Sum', '5xx (function)'),
            props.stage.metricClientError({
              period: PERIOD,
              statistic: 'Sum',
              label: '4xx (API Gateway)',
            }),
            props.stage.metricServerError({
              period: PERIOD,
              statistic: 'Sum',
              label: '5xx (API Gateway)',
            }),
          ],
          width: 8,
        }),
        new GraphWidget({
          title: 'Latency (ms)',
          left: ['p50', 'p90', 'p99'].map((p) => metric(METRIC.latency, p, `handler ${p}`)),
          right: [
            props.stage.metricLatency({ period: PERIOD, statistic: 'p99', label: 'API p99' }),
          ],
          width: 8,
        }),
      ],
      [
        new GraphWidget({
          title: 'Requests per model',
          left: [perModel(METRIC.requests, 'Sum', '')],
          width: 8,
        }),
        new GraphWidget({
          title: 'Server errors per model',
          left: [perModel(METRIC.serverErrors, 'Sum', '')],
          width: 8,
        }),
        new GraphWidget({
          title: 'p99 latency per model (ms)',
          left: [perModel(METRIC.latency, 'p99', '')],
          width: 8,
        }),
      ],
      [
        new GraphWidget({
          title: 'Cold starts and model loads',
          left: [
            new MathExpression({
              expression: `SEARCH('{${[METRICS_NAMESPACE, ...COLD_START_DIMENSIONS].join(',')}} MetricName="${METRIC.coldStart}"', 'Sum', ${PERIOD.toSeconds()})`,
              label: 'cold starts',
              period: PERIOD,
            }),
            metric(METRIC.cacheMisses, 'Sum', 'model loads (cache misses)'),
            metric(METRIC.cacheEvictions, 'Sum', 'evictions'),
          ],
          right: [
            props.inference.metric('ConcurrentExecutions', {
              period: PERIOD,
              statistic: 'Maximum',
              label: 'concurrency',
            }),
          ],
          width: 8,
        }),
        new GraphWidget({
          title: 'Model load time per model (ms)',
          left: [perModel(METRIC.modelLoadTime, 'Maximum', '')],
          width: 8,
        }),
        new GraphWidget({
          title: 'Routed requests and errors by role (canary vs stable)',
          left: [byRole(METRIC.routedRequests)],
          right: [byRole(METRIC.routedErrors)],
          width: 8,
        }),
      ],
    ];

    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: Stack.of(this).stackName,
      widgets,
    });
  }
}
