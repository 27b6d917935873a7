import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { stackNames } from '../core/stack-outputs.js';
import { readSettings, type Settings } from './settings.js';
import { ServingStack } from './stacks/serving-stack.js';
import { StorageStack } from './stacks/storage-stack.js';

export interface Maas {
  readonly settings: Settings;
  readonly storage: StorageStack;
  readonly serving: ServingStack;
}

/**
 * Composes maas into an app: settings read once from cdk context, one stack per lifecycle (serving
 * receives storage's handles; storage knows nothing of serving), and cdk-nag's AwsSolutions checks,
 * whose unacknowledged findings fail the synth.
 */
export function buildMaas(app: App): Maas {
  const settings = readSettings(app.node);
  const names = stackNames(settings.stackPrefix);
  const storage = new StorageStack(app, names.storage);
  const serving = new ServingStack(app, names.serving, {
    models: storage.models,
    keys: storage.keys,
    settings,
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { settings, storage, serving };
}
