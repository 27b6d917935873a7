import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { STACK_OUTPUTS } from '../../../core/stack-outputs.js';
import { TABLES } from '../../../core/tables.js';
import { type SynthesizedMaas, synthMaas } from '../../helpers/synth-maas.js';

/** Logical ids of the stateful resources: pinned, because a changed id replaces (loses) the resource. */
const STATEFUL_IDS = {
  bucket: 'ModelsBucket970C6ADA',
  accessLogs: 'ModelsAccessLogs3743BCAB',
  modelsTable: 'ModelsTableBCFA76C8',
  keysTable: 'KeysTableF42AC009',
};

const arn = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });

describe('StorageStack', () => {
  let maas: SynthesizedMaas;
  let template: Template;
  beforeAll(() => {
    maas = synthMaas();
    template = Template.fromStack(maas.storage);
  }, 120_000);
  afterAll(() => maas.dispose());

  it('is the termination-protected Maas-Storage stack', () => {
    const artifact = maas.assembly.getStackByName('Maas-Storage');
    expect(artifact.terminationProtection).toBe(true);
  });

  it('keeps the logical ids of its stateful resources', () => {
    expect(Object.keys(template.findResources('AWS::S3::Bucket')).sort()).toEqual(
      [STATEFUL_IDS.accessLogs, STATEFUL_IDS.bucket].sort(),
    );
    expect(Object.keys(template.findResources('AWS::DynamoDB::Table')).sort()).toEqual(
      [STATEFUL_IDS.keysTable, STATEFUL_IDS.modelsTable].sort(),
    );
  });

  it('retains every bucket and table when the stack or the resource goes', () => {
    for (const type of ['AWS::S3::Bucket', 'AWS::DynamoDB::Table']) {
      for (const resource of Object.values(template.findResources(type))) {
        expect(resource).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
      }
    }
  });

  it('encrypts, versions and logs the model bucket, with all public access blocked', () => {
    template.hasResource('AWS::S3::Bucket', {
      Properties: {
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
          ],
        },
        VersioningConfiguration: { Status: 'Enabled' },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        LoggingConfiguration: { DestinationBucketName: { Ref: STATEFUL_IDS.accessLogs } },
      },
    });
    expect(
      Object.keys(
        template.findResources('AWS::S3::Bucket', {
          Properties: { VersioningConfiguration: { Status: 'Enabled' } },
        }),
      ),
    ).toEqual([STATEFUL_IDS.bucket]);
  });

  it('encrypts the access log bucket, blocks public access to it and expires its logs', () => {
    expect(template.toJSON().Resources[STATEFUL_IDS.accessLogs].Properties).toMatchObject({
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
        ],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LifecycleConfiguration: { Rules: [{ ExpirationInDays: 365, Status: 'Enabled' }] },
    });
  });

  it.each([
    ['model', STATEFUL_IDS.bucket],
    ['access log', STATEFUL_IDS.accessLogs],
  ])('denies plain HTTP and TLS below 1.2 on the %s bucket', (_, bucket) => {
    const everything = [arn(bucket), { 'Fn::Join': ['', [arn(bucket), '/*']] }];
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucket },
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: 's3:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            Resource: everything,
          },
          {
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: 's3:*',
            Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } },
            Resource: everything,
          },
        ]),
      },
    });
  });

  it.each<[string, string, { partitionKey: string; sortKey?: string }]>([
    ['models', STATEFUL_IDS.modelsTable, TABLES.models],
    ['keys', STATEFUL_IDS.keysTable, TABLES.keys],
  ])(
    'makes the %s table encrypted, recoverable, on-demand and deletion-protected, keyed as core/tables.ts says',
    (_, logicalId, keys) => {
      const attributes = [keys.partitionKey, ...(keys.sortKey === undefined ? [] : [keys.sortKey])];
      expect(template.toJSON().Resources[logicalId].Properties).toEqual({
        KeySchema: attributes.map((name, i) => ({
          AttributeName: name,
          KeyType: i === 0 ? 'HASH' : 'RANGE',
        })),
        AttributeDefinitions: attributes.map((name) => ({
          AttributeName: name,
          AttributeType: 'S',
        })),
        BillingMode: 'PAY_PER_REQUEST',
        SSESpecification: { SSEEnabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
      });
    },
  );

  it('lets the serving path read model objects and records, and nothing else', () => {
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      Description: Match.stringLikeRegexp('inference'),
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: 's3:GetObject',
            Resource: { 'Fn::Join': ['', [arn(STATEFUL_IDS.bucket), '/models/*']] },
          },
          {
            Effect: 'Allow',
            Action: ['dynamodb:GetItem', 'dynamodb:Query'],
            Resource: arn(STATEFUL_IDS.modelsTable),
          },
        ],
      },
    });
  });

  it('lets the authorizer get key records, and nothing else', () => {
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      Description: Match.stringLikeRegexp('authorizer'),
      PolicyDocument: {
        Statement: [
          { Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: arn(STATEFUL_IDS.keysTable) },
        ],
      },
    });
    expect(Object.keys(template.findResources('AWS::IAM::ManagedPolicy'))).toHaveLength(3);
    expect(template.findResources('AWS::IAM::Role')).toEqual({});
  });

  it('lets automatic rollback read model records and write routing changes, and nothing else', () => {
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      Description: Match.stringLikeRegexp('auto-rollback'),
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: [
              'dynamodb:GetItem',
              'dynamodb:PutItem',
              'dynamodb:Query',
              'dynamodb:UpdateItem',
            ],
            Resource: arn(STATEFUL_IDS.modelsTable),
          },
        ],
      },
    });
  });

  it('outputs the bucket and table names under the names the CLI reads', () => {
    template.hasOutput(STACK_OUTPUTS.modelBucket, { Value: { Ref: STATEFUL_IDS.bucket } });
    template.hasOutput(STACK_OUTPUTS.modelsTable, { Value: { Ref: STATEFUL_IDS.modelsTable } });
    template.hasOutput(STACK_OUTPUTS.keysTable, { Value: { Ref: STATEFUL_IDS.keysTable } });
  });
});
