import { CfnOutput, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { MethodLoggingLevel } from 'aws-cdk-lib/aws-apigateway';
import type { Construct } from 'constructs';
import { ENV } from '../../core/config.js';
import { STACK_OUTPUTS } from '../../core/stack-outputs.js';
import { LAYER_MODULES } from '../../layers/onnxruntime/build-layer.js';
import { AutoRollback } from '../constructs/auto-rollback.js';
import { HandlerFunction } from '../constructs/handler-function.js';
import { InferenceApi } from '../constructs/inference-api.js';
import type { KeyStore } from '../constructs/key-store.js';
import type { ModelStore } from '../constructs/model-store.js';
import { LAMBDA_ARCHITECTURE, OnnxLayer } from '../constructs/onnx-layer.js';
import { ServingAlarms } from '../constructs/serving-alarms.js';
import { ServingDashboard } from '../constructs/serving-dashboard.js';
import { WebFirewall } from '../constructs/web-firewall.js';
import type { Settings } from '../settings.js';

export interface ServingStackProps extends StackProps {
  readonly models: ModelStore;
  readonly keys: KeyStore;
  readonly settings: Settings;
}

/**
 * The stateless half: the onnxruntime layer, the two functions and the API in front of them. Holds no
 * data, so it can be destroyed and redeployed at will; it only reads the storage stack's resources.
 */
export class ServingStack extends Stack {
  public readonly inference: HandlerFunction;
  public readonly authorizer: HandlerFunction;
  public readonly api: InferenceApi;
  public readonly firewall: WebFirewall | undefined;
  public readonly alarms: ServingAlarms;
  public readonly autoRollback: AutoRollback;
  public readonly dashboard: ServingDashboard;

  constructor(scope: Construct, id: string, props: ServingStackProps) {
    super(scope, id, {
      description: 'maas serving: inference and authorizer functions behind API Gateway',
      ...props,
    });
    const { settings } = props;
    const architecture = LAMBDA_ARCHITECTURE[settings.architecture];
    const onnx = new OnnxLayer(this, 'Onnxruntime', { architecture: settings.architecture });

    this.inference = new HandlerFunction(this, 'Inference', {
      entry: 'inference.ts',
      description: 'maas: every Open Inference Protocol route',
      architecture,
      memorySize: settings.memorySize,
      timeout: Duration.seconds(settings.timeoutSeconds),
      ...(settings.reservedConcurrency === undefined
        ? {}
        : { reservedConcurrency: settings.reservedConcurrency }),
      provisionedConcurrency: settings.provisionedConcurrency,
      layers: [onnx.layer],
      externalModules: [...LAYER_MODULES],
      logRetention: settings.logRetentionDays,
      environment: {
        [ENV.modelBucket]: props.models.bucket.bucketName,
        [ENV.modelsTable]: props.models.table.tableName,
        [ENV.maxBodyBytes]: String(settings.maxBodyBytes),
        [ENV.preloadModels]: settings.preloadModels.join(','),
        // A third of the memory for loaded models: a new load peaks at ~3x its size (bytes, session,
        // optimisation) on top of the cache and the runtime (README "Model size and cold starts").
        [ENV.sessionCacheBytes]: String(Math.floor((settings.memorySize * 1024 * 1024) / 3)),
      },
    });
    props.models.grantServe(this.inference.role);

    this.authorizer = new HandlerFunction(this, 'Authorizer', {
      entry: 'authorizer.ts',
      description: 'maas: API key check for API Gateway',
      architecture,
      logRetention: settings.logRetentionDays,
      environment: { [ENV.keysTable]: props.keys.table.tableName },
    });
    props.keys.grantAuthenticate(this.authorizer.role);

    this.api = new InferenceApi(this, 'Api', {
      handler: this.inference.live,
      authorizer: this.authorizer.live,
      authorizerCacheTtl: Duration.seconds(settings.authorizerCacheTtlSeconds),
      throttling: {
        rateLimit: settings.throttlingRateLimit,
        burstLimit: settings.throttlingBurstLimit,
      },
      accessLogRetention: settings.logRetentionDays,
      maxBodyBytes: settings.maxBodyBytes,
      executionLogLevel: MethodLoggingLevel[settings.executionLogLevel],
    });

    this.firewall = settings.waf
      ? new WebFirewall(this, 'Firewall', {
          stage: this.api.stage,
          maxBodyBytes: settings.maxBodyBytes,
          rateLimit: settings.wafRateLimit,
        })
      : undefined;
    if (!settings.waf) {
      Validations.of(this.api.stage).acknowledge({
        id: 'AwsSolutions-APIG3',
        reason: 'The operator turned the web ACL off with the waf=false context value.',
      });
    }

    this.alarms = new ServingAlarms(this, 'Alarms', {
      stage: this.api.stage,
      inference: this.inference.fn,
      concurrencyLimit: settings.reservedConcurrency ?? settings.accountConcurrencyLimit,
      thresholds: settings,
      runbookUrl: settings.runbookUrl,
      email: settings.alarmEmail,
    });
    this.autoRollback = new AutoRollback(this, 'AutoRollback', {
      alarm: this.alarms.alarms['canary-error-rate'],
      models: props.models,
      canaryErrorMarginPct: settings.canaryErrorMarginPct,
      architecture,
      logRetention: settings.logRetentionDays,
    });
    this.dashboard = new ServingDashboard(this, 'Dashboard', {
      stage: this.api.stage,
      inference: this.inference.fn,
      alarms: Object.values(this.alarms.alarms),
      runbookUrl: settings.runbookUrl,
    });

    new CfnOutput(this, STACK_OUTPUTS.apiUrl, { value: this.api.url });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarms.topic.topicArn });
    new CfnOutput(this, 'DashboardName', { value: this.dashboard.dashboard.dashboardName });
    // The runbook's queries name these groups; CloudFormation generates their names.
    new CfnOutput(this, 'InferenceLogGroup', { value: this.inference.logGroup.logGroupName });
    new CfnOutput(this, 'AuthorizerLogGroup', { value: this.authorizer.logGroup.logGroupName });
    new CfnOutput(this, 'AccessLogGroup', { value: this.api.accessLogs.logGroupName });
  }
}
