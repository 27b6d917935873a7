// The CDK app (cdk.json: "npx tsx infra/app.ts"). Settings come from cdk context: see cdk.json.
import { App } from 'aws-cdk-lib';
import { buildMaas } from './maas-app.js';
import { SettingsError } from './settings.js';

try {
  buildMaas(new App());
} catch (error) {
  // A bad setting is the operator's to fix: one line that names it, not a stack trace around it.
  if (!(error instanceof SettingsError)) throw error;
  console.error(`maas: ${error.message}`);
  process.exit(1);
}
