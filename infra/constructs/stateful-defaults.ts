// Defaults every stateful resource of maas shares, kept apart from the constructs that build them (the
// AWS Solutions Constructs split of *-defaults and builders), so each property is decided once.
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import {
  AttributeType,
  BillingMode,
  TableEncryption,
  type TableProps,
} from 'aws-cdk-lib/aws-dynamodb';
import {
  BlockPublicAccess,
  BucketEncryption,
  type BucketProps,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';

/** A table's key attributes, as core/tables.ts lists them. */
export interface TableKeys {
  readonly partitionKey: string;
  readonly sortKey?: string;
}

/**
 * Encrypted with a KMS key (the account's aws/dynamodb key: auditable in CloudTrail, no key to manage),
 * point-in-time recovery for 35 days of restores, on-demand capacity (traffic is spiky and small), and
 * guarded twice against loss: deletion protection, and RETAIN if the stack itself goes.
 */
export function statefulTableProps(keys: TableKeys): TableProps {
  return {
    partitionKey: { name: keys.partitionKey, type: AttributeType.STRING },
    ...(keys.sortKey === undefined
      ? {}
      : { sortKey: { name: keys.sortKey, type: AttributeType.STRING } }),
    billingMode: BillingMode.PAY_PER_REQUEST,
    encryption: TableEncryption.AWS_MANAGED,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    deletionProtection: true,
    removalPolicy: RemovalPolicy.RETAIN,
  };
}

/**
 * Encrypted at rest (SSE-S3: S3 still checks each part's Content-MD5, and ETags stay MD5s, which the
 * upload path verifies), no public access of any kind, no ACLs, TLS 1.2+ only (bucket policy denies
 * plain HTTP and older TLS), and RETAIN when the stack goes.
 */
export const STATEFUL_BUCKET_DEFAULTS = {
  encryption: BucketEncryption.S3_MANAGED,
  blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
  objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
  enforceSSL: true,
  minimumTLSVersion: 1.2,
  removalPolicy: RemovalPolicy.RETAIN,
} as const satisfies BucketProps;

/** How long S3 server access logs are kept: a year of who-read-which-model. */
export const ACCESS_LOG_EXPIRATION = Duration.days(365);
