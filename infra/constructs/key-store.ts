import { Table } from 'aws-cdk-lib/aws-dynamodb';
import { type IRole, ManagedPolicy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { TABLES } from '../../core/tables.js';
import { statefulTableProps } from './stateful-defaults.js';

/**
 * The API keys table (key schema from core/tables.ts): key names, scopes and sha256 hashes, never
 * secrets. Its construct id names a stateful resource and keeps its first name for life.
 */
export class KeyStore extends Construct {
  public readonly table: Table;
  /** The authorizer's one call, and nothing more: a consistent GetItem of the presented key's record. */
  public readonly authenticatePolicy: ManagedPolicy;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.table = new Table(this, 'Table', statefulTableProps(TABLES.keys));
    this.authenticatePolicy = new ManagedPolicy(this, 'AuthenticatePolicy', {
      description: 'maas authorizer: read API key records',
      statements: [
        new PolicyStatement({ actions: ['dynamodb:GetItem'], resources: [this.table.tableArn] }),
      ],
    });
  }

  /** Lets a function's role check API keys: attaches authenticatePolicy. */
  grantAuthenticate(role: IRole): void {
    role.addManagedPolicy(this.authenticatePolicy);
  }
}
