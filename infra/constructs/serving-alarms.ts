import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { Stage } from 'aws-cdk-lib/aws-apigateway';
import {
  Alarm,
  ComparisonOperator,
  type IMetric,
  MathExpression,
  type Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { DIMENSION, METRIC } from '../../core/metrics.js';
import { maasMetric } from './maas-metrics.js';

/**
 * Every alarm, by the docs/runbook.md section that explains it: the runbook's headings are these ids.
 * The text is the alarm description's first line: what broke, in the words a responder needs.
 */
export const ALARMS = {
  'api-5xx-rate': 'API requests are failing with 5xx',
  'api-4xx-spike': 'An unusual share of API requests is refused with 4xx',
  'p99-latency': 'API p99 latency is above its threshold',
  'lambda-errors': 'The inference function is crashing or timing out',
  'lambda-throttles': 'Inference invocations are being throttled',
  'concurrency-high': 'Inference concurrency is close to its limit',
  'authorizer-failures': 'The API key authorizer is failing (every request is refused)',
  'model-load-failures': 'Models cannot be loaded (requests for them get 503)',
  'integrity-failures': 'Stored model bytes do not match their sha256 (refused, never served)',
  'canary-error-rate':
    "Canary versions fail more often than stable's; failing canaries are ended automatically",
} as const;
export type AlarmId = keyof typeof ALARMS;

export interface ServingAlarmsProps {
  readonly stage: Stage;
  readonly inference: IFunction;
  /** The concurrency the inference function may reach (reserved, else the account's limit). */
  readonly concurrencyLimit: number;
  readonly thresholds: {
    readonly serverErrorRatePct: number;
    readonly clientErrorRatePct: number;
    readonly latencyP99Ms: number;
    readonly concurrencyAlarmPct: number;
    readonly canaryErrorMarginPct: number;
    readonly canaryMinRequests: number;
  };
  /** docs/runbook.md as the responder can open it; descriptions link its sections. */
  readonly runbookUrl: string;
  /** Notified of every alarm and recovery. @default - no subscription; subscribe to `topic` yourself */
  readonly email?: string | undefined;
}

const FIVE_MINUTES = Duration.minutes(5);

/**
 * maas's alarms, each notifying one encrypted SNS topic when it fires and when it recovers, each
 * described by one line and a link to its runbook section.
 */
export class ServingAlarms extends Construct {
  public readonly topic: Topic;
  public readonly alarms: Readonly<Record<AlarmId, Alarm>>;

  constructor(scope: Construct, id: string, props: ServingAlarmsProps) {
    super(scope, id);
    // A key of our own: CloudWatch cannot publish to a topic under the AWS-managed SNS key, whose
    // policy cannot grant it.
    const key = new Key(this, 'TopicKey', {
      description: 'maas alarm notifications',
      enableKeyRotation: true,
      // It encrypts only notifications in flight, so it goes with the stack (KMS deletes it after the
      // waiting period) instead of being left behind, and billed, by every destroy.
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    key.grant(
      new ServicePrincipal('cloudwatch.amazonaws.com'),
      'kms:Decrypt',
      'kms:GenerateDataKey*',
    );
    this.topic = new Topic(this, 'Topic', {
      displayName: 'maas alarms',
      masterKey: key,
      enforceSSL: true,
    });
    if (props.email !== undefined) this.topic.addSubscription(new EmailSubscription(props.email));

    const t = props.thresholds;
    const sum = (name: string) => maasMetric(name);
    const routed = (name: string, role: string) =>
      maasMetric(name, { dimensions: { [DIMENSION.role]: role }, period: Duration.minutes(1) });

    const definitions: Record<
      AlarmId,
      { metric: IMetric; threshold: number; periods?: number; of?: number }
    > = {
      'api-5xx-rate': {
        // 5XXError is 0 or 1 per request, so its average is the failing share.
        metric: percent(
          props.stage.metricServerError({ period: FIVE_MINUTES, statistic: 'Average' }),
          '5xx %',
        ),
        threshold: t.serverErrorRatePct,
      },
      'api-4xx-spike': {
        metric: percent(
          props.stage.metricClientError({ period: FIVE_MINUTES, statistic: 'Average' }),
          '4xx %',
        ),
        threshold: t.clientErrorRatePct,
        periods: 2,
        of: 3,
      },
      'p99-latency': {
        metric: props.stage.metricLatency({ period: FIVE_MINUTES, statistic: 'p99' }),
        threshold: t.latencyP99Ms,
        periods: 3,
        of: 3,
      },
      'lambda-errors': {
        metric: props.inference.metricErrors({ period: FIVE_MINUTES }),
        threshold: 1,
      },
      'lambda-throttles': {
        metric: props.inference.metricThrottles({ period: FIVE_MINUTES }),
        threshold: 1,
      },
      'concurrency-high': {
        metric: props.inference.metric('ConcurrentExecutions', {
          period: Duration.minutes(1),
          statistic: 'Maximum',
        }),
        threshold: Math.max(1, Math.floor((props.concurrencyLimit * t.concurrencyAlarmPct) / 100)),
        periods: 3,
        of: 3,
      },
      // Counted by the authorizer itself: its Lambda Errors also count every refused key, so one
      // client with a revoked key would page. A crash at its start counts nothing here; it shows as
      // 503s in api-5xx-rate.
      'authorizer-failures': { metric: sum(METRIC.authFailures), threshold: 1 },
      'model-load-failures': { metric: sum(METRIC.modelLoadFailures), threshold: 1 },
      'integrity-failures': { metric: sum(METRIC.integrityFailures), threshold: 1 },
      'canary-error-rate': {
        // Points by which the canary's error rate exceeds stable's; 0 (no verdict) below the minimum
        // number of canary requests, where a single failure would look like a disaster.
        metric: new MathExpression({
          label: 'canary minus stable error rate (points)',
          expression: `IF(cr >= ${t.canaryMinRequests}, 100 * (ce / cr - IF(sr > 0, se / sr, 0)), 0)`,
          usingMetrics: {
            cr: routed(METRIC.routedRequests, 'canary'),
            ce: routed(METRIC.routedErrors, 'canary'),
            sr: routed(METRIC.routedRequests, 'stable'),
            se: routed(METRIC.routedErrors, 'stable'),
          },
          period: Duration.minutes(1),
        }),
        threshold: t.canaryErrorMarginPct,
        periods: 2,
        of: 2,
      },
    };

    const action = new SnsAction(this.topic);
    const prefix = Stack.of(this).stackName;
    this.alarms = Object.fromEntries(
      (Object.keys(ALARMS) as AlarmId[]).map((alarmId) => {
        const d = definitions[alarmId];
        const alarm = new Alarm(this, alarmId, {
          alarmName: `${prefix}-${alarmId}`,
          alarmDescription: `${ALARMS[alarmId]}. Runbook: ${props.runbookUrl}#${alarmId}`,
          metric: d.metric,
          threshold: d.threshold,
          evaluationPeriods: d.of ?? 1,
          datapointsToAlarm: d.periods ?? 1,
          comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          // No traffic is not a failure: missing data keeps an alarm where it was quiet.
          treatMissingData: TreatMissingData.NOT_BREACHING,
        });
        alarm.addAlarmAction(action);
        alarm.addOkAction(action);
        return [alarmId, alarm];
      }),
    ) as Record<AlarmId, Alarm>;
  }
}

/** A 0..1 average as a percentage, so thresholds read as percent in the console. */
function percent(metric: Metric, label: string): MathExpression {
  return new MathExpression({
    label,
    expression: '100 * m',
    usingMetrics: { m: metric },
    period: metric.period,
  });
}
