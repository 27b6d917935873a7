import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { STACK_OUTPUTS } from '../../core/stack-outputs.js';
import { KeyStore } from '../constructs/key-store.js';
import { ModelStore } from '../constructs/model-store.js';

/**
 * The stateful half: model bytes, model records and API keys. Its own stack, termination-protected,
 * so redeploying or destroying the serving stack can never touch a stored model or key.
 */
export class StorageStack extends Stack {
  public readonly models: ModelStore;
  public readonly keys: KeyStore;

  constructor(scope: Construct, id: string, props: StackProps = {}) {
    super(scope, id, {
      description: 'maas storage: model bucket, models table, API keys table (retained)',
      terminationProtection: true,
      ...props,
    });
    // Construct ids of stateful resources are part of their identity: never rename these.
    this.models = new ModelStore(this, 'Models');
    this.keys = new KeyStore(this, 'Keys');

    // The names the CLI reads to find its stores (core/stack-outputs.ts).
    new CfnOutput(this, STACK_OUTPUTS.modelBucket, { value: this.models.bucket.bucketName });
    new CfnOutput(this, STACK_OUTPUTS.modelsTable, { value: this.models.table.tableName });
    new CfnOutput(this, STACK_OUTPUTS.keysTable, { value: this.keys.table.tableName });
  }
}
