// The CDK app (cdk.json: "npx tsx infra/app.ts"). Settings come from cdk context: see cdk.json.
import { App } from 'aws-cdk-lib';
import { buildMaas } from './maas-app.js';

buildMaas(new App());
