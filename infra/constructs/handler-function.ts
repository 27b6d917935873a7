import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  Alias,
  Architecture,
  type IFunction,
  type ILayerVersion,
  type IVersion,
  Runtime,
  Tracing,
} from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { FUNCTION_BUNDLING } from '../bundling.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface HandlerFunctionProps {
  /** A file under functions/, e.g. 'inference.ts'. */
  readonly entry: string;
  readonly description: string;
  /** @default Architecture.ARM_64 (must match the architecture of any layer with native code) */
  readonly architecture?: Architecture;
  /** @default 512 */
  readonly memorySize?: number;
  /** @default Duration.seconds(10) */
  readonly timeout?: Duration;
  /** @default - unreserved: the function shares the account's concurrency */
  readonly reservedConcurrency?: number;
  /** Execution environments the `live` alias keeps initialised ahead of traffic. @default 0 */
  readonly provisionedConcurrency?: number;
  /** @default [] */
  readonly layers?: readonly ILayerVersion[];
  /** Modules left out of the bundle because a layer provides them. @default [] */
  readonly externalModules?: readonly string[];
  /** By variable name: use `ENV.<field>` from core/config.ts. @default {} */
  readonly environment?: Readonly<Record<string, string>>;
  /** @default RetentionDays.THREE_MONTHS */
  readonly logRetention?: RetentionDays;
}

/**
 * A handler from functions/ with the project's defaults: Node.js 22, bundled by the local esbuild as
 * ESM (never Docker), X-Ray active tracing, its own log group with retention, and its own role that
 * may only write to that log group until the caller grants more. Callers invoke `live`, an alias of
 * the newest version, which is where provisioned concurrency lives.
 */
export class HandlerFunction extends Construct {
  public readonly fn: NodejsFunction;
  /** The alias callers invoke (an IFunction). */
  public readonly live: IFunction;
  public readonly role: Role;
  public readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: HandlerFunctionProps) {
    super(scope, id);
    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention ?? RetentionDays.THREE_MONTHS,
      // Logs outlive a torn-down stack until their retention ends: they may be needed to explain it.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Our own role instead of the AWSLambdaBasicExecutionRole managed policy, which may write to any
    // log group in the account.
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `maas ${props.entry}`,
    });
    this.logGroup.grantWrite(this.role);

    this.fn = new NodejsFunction(this, 'Fn', {
      entry: `${ROOT}functions/${props.entry}`,
      projectRoot: ROOT,
      depsLockFilePath: `${ROOT}package-lock.json`,
      description: props.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: props.architecture ?? Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      ...(props.reservedConcurrency === undefined
        ? {}
        : { reservedConcurrentExecutions: props.reservedConcurrency }),
      tracing: Tracing.ACTIVE,
      role: this.role,
      logGroup: this.logGroup,
      layers: [...(props.layers ?? [])],
      environment: { ...props.environment },
      // Old versions are deleted when the alias moves on, so code storage does not grow per deploy.
      currentVersionOptions: { removalPolicy: RemovalPolicy.DESTROY },
      bundling: {
        forceDockerBundling: false, // esbuild is a devDependency; Docker is neither needed nor present
        ...FUNCTION_BUNDLING,
        format: OutputFormat.ESM,
        mainFields: [...FUNCTION_BUNDLING.mainFields],
        target: 'node22',
        // Everything else, AWS SDK included, is bundled at the versions package-lock.json pins.
        externalModules: [...(props.externalModules ?? [])],
        logLevel: LogLevel.WARNING, // esbuild's size summary is noise in synth and test output
      },
    });

    Validations.of(this.fn).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'nodejs22.x is the runtime maas is built and tested for (esbuild target node22, the ' +
        "onnxruntime-node layer's N-API binary); a runtime upgrade is a deliberate change, not a default.",
    });
    // Active tracing adds xray:PutTraceSegments and xray:PutTelemetryRecords to the role's default policy.
    const defaultPolicy = this.role.node.tryFindChild('DefaultPolicy');
    if (defaultPolicy !== undefined) {
      Validations.of(defaultPolicy).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'X-Ray PutTraceSegments and PutTelemetryRecords support no resource-level permissions ' +
          '(Service Authorization Reference, AWS X-Ray); the only other statement names this ' +
          "function's own log group.",
      });
    }

    const live = new Alias(this, 'Live', {
      aliasName: 'live',
      version: this.fn.currentVersion as IVersion, // CDK's own types disagree under exactOptionalPropertyTypes
      ...(props.provisionedConcurrency
        ? { provisionedConcurrentExecutions: props.provisionedConcurrency }
        : {}),
    });
    this.live = live as IFunction; // CDK's own types disagree under exactOptionalPropertyTypes
  }
}
