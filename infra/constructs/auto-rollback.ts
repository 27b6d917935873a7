import { Duration, Validations } from 'aws-cdk-lib';
import type { IAlarm } from 'aws-cdk-lib/aws-cloudwatch';
import { Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Policy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Architecture } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ENV } from '../../core/config.js';
import { HandlerFunction } from './handler-function.js';
import type { ModelStore } from './model-store.js';

export interface AutoRollbackProps {
  /** The alarm whose transition to ALARM ends failing canaries. */
  readonly alarm: IAlarm;
  readonly models: ModelStore;
  /** Points by which a canary's error rate may exceed stable's (the alarm's own threshold). */
  readonly canaryErrorMarginPct: number;
  readonly architecture: Architecture;
  readonly logRetention: RetentionDays;
}

/**
 * Ends failing canaries automatically: an EventBridge rule sends the canary alarm's state changes to
 * functions/auto-rollback.ts, which sets their weight to 0 (stable untouched) and records the change
 * in each model's history with the alarm as who and why.
 */
export class AutoRollback extends Construct {
  public readonly handler: HandlerFunction;
  public readonly rule: Rule;

  constructor(scope: Construct, id: string, props: AutoRollbackProps) {
    super(scope, id);
    this.handler = new HandlerFunction(this, 'Handler', {
      entry: 'auto-rollback.ts',
      description: 'maas: end failing canaries when the canary error-rate alarm fires',
      architecture: props.architecture,
      timeout: Duration.seconds(30), // a metrics query and a write per running canary
      logRetention: props.logRetention,
      environment: {
        [ENV.modelsTable]: props.models.table.tableName,
        [ENV.canaryErrorMarginPct]: String(props.canaryErrorMarginPct),
      },
    });
    props.models.grantRouting(this.handler.role);
    // Its own policy, apart from the function's default one, so its one wildcard is acknowledged alone.
    const readMetrics = new Policy(this, 'ReadMetrics', {
      statements: [
        new PolicyStatement({ actions: ['cloudwatch:GetMetricData'], resources: ['*'] }),
      ],
    });
    readMetrics.attachToRole(this.handler.role);
    Validations.of(readMetrics).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'cloudwatch:GetMetricData supports no resource-level permissions (Service Authorization ' +
        'Reference, Amazon CloudWatch); it only reads the canary and stable error counts.',
    });

    this.rule = new Rule(this, 'OnCanaryAlarm', {
      description: 'maas: the canary error-rate alarm went to ALARM',
      eventPattern: {
        source: ['aws.cloudwatch'],
        detailType: ['CloudWatch Alarm State Change'],
        resources: [props.alarm.alarmArn],
        detail: { state: { value: ['ALARM'] } },
      },
      targets: [new LambdaFunction(this.handler.live, { retryAttempts: 2 })],
    });
  }
}
