import { Duration, Stack, Validations } from 'aws-cdk-lib';
import { Table } from 'aws-cdk-lib/aws-dynamodb';
import { type IRole, ManagedPolicy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Bucket, type CfnBucket, type IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { OBJECT_PREFIX } from '../../core/models/keys.js';
import { TABLES } from '../../core/tables.js';
import {
  ACCESS_LOG_EXPIRATION,
  STATEFUL_BUCKET_DEFAULTS,
  statefulTableProps,
} from './stateful-defaults.js';

export interface ModelStoreProps {
  /** How long an overwritten or deleted model object stays restorable. @default Duration.days(90) */
  readonly noncurrentVersionExpiration?: Duration;
}

/**
 * Where models live: their bytes in a versioned bucket (content-addressed keys from core/models/keys.ts)
 * and their records in the models table (key schema from core/tables.ts). Construct ids here name
 * stateful resources: renaming one would replace the resource, so they keep their first names for life.
 */
export class ModelStore extends Construct {
  public readonly bucket: Bucket;
  public readonly table: Table;
  /** Receives the model bucket's server access logs: who read or wrote which model, and when. */
  public readonly accessLogs: Bucket;
  /**
   * What the serving path needs and nothing more: read model objects (a GetObject per 8 MiB range)
   * and get or query model records. No listing, no writes, no other prefix. Defined here, beside the
   * resources it names, so the serving stack attaches it without knowing their ARNs.
   */
  public readonly servePolicy: ManagedPolicy;
  /**
   * What automatic rollback needs: read model heads and versions, and write one routing change (an
   * UpdateItem of the head, a PutItem of the history entry). No deletes, no bucket access.
   */
  public readonly routingPolicy: ManagedPolicy;

  constructor(scope: Construct, id: string, props: ModelStoreProps = {}) {
    super(scope, id);
    this.accessLogs = new Bucket(this, 'AccessLogs', {
      ...STATEFUL_BUCKET_DEFAULTS,
      lifecycleRules: [{ id: 'expire-logs', expiration: ACCESS_LOG_EXPIRATION }],
    });
    this.bucket = new Bucket(this, 'Bucket', {
      ...STATEFUL_BUCKET_DEFAULTS,
      // Content-addressed keys make overwrites rare; versioning makes a mistaken delete recoverable.
      versioned: true,
      serverAccessLogsBucket: this.accessLogs as IBucket, // CDK's own types disagree under exactOptionalPropertyTypes
      serverAccessLogsPrefix: 'models-bucket/',
      lifecycleRules: [
        {
          id: 'expire-noncurrent-versions',
          noncurrentVersionExpiration: props.noncurrentVersionExpiration ?? Duration.days(90),
        },
        // A push that died between parts leaves billed parts behind; the CLI aborts, this is the backstop.
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
    });
    this.table = new Table(this, 'Table', statefulTableProps(TABLES.models));

    const objects = `${OBJECT_PREFIX}*`;
    this.servePolicy = new ManagedPolicy(this, 'ServePolicy', {
      description: 'maas inference: read model objects and model records',
      statements: [
        new PolicyStatement({
          actions: ['s3:GetObject'],
          resources: [this.bucket.arnForObjects(objects)],
        }),
        new PolicyStatement({
          actions: ['dynamodb:GetItem', 'dynamodb:Query'],
          resources: [this.table.tableArn],
        }),
      ],
    });
    this.routingPolicy = new ManagedPolicy(this, 'RoutingPolicy', {
      description: 'maas auto-rollback: read model records, write routing changes',
      statements: [
        new PolicyStatement({
          actions: [
            'dynamodb:GetItem',
            'dynamodb:Query',
            'dynamodb:UpdateItem',
            'dynamodb:PutItem',
          ],
          resources: [this.table.tableArn],
        }),
      ],
    });
    const bucketId = Stack.of(this).resolve((this.bucket.node.defaultChild as CfnBucket).logicalId);
    Validations.of(this.servePolicy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${objects}]`,
      reason:
        'Model objects are content-addressed (models/<name>/<sha256>.onnx) and pushed after deploy, so ' +
        'their keys cannot be listed here; the wildcard covers only the models/ prefix, for GetObject only.',
    });
  }

  /** Lets a function's role change model routing: attaches routingPolicy. */
  grantRouting(role: IRole): void {
    role.addManagedPolicy(this.routingPolicy);
  }

  /** Lets a function's role serve models: attaches servePolicy. */
  grantServe(role: IRole): void {
    role.addManagedPolicy(this.servePolicy);
  }
}
