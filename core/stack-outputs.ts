/**
 * The CloudFormation outputs the stacks publish and the CLI reads, so an operator never copies a
 * resource name by hand. Stack names are `<prefix>-Storage` and `<prefix>-Serving`.
 */
export const STACK_OUTPUTS = {
  modelBucket: 'ModelBucketName',
  modelsTable: 'ModelsTableName',
  keysTable: 'KeysTableName',
  apiUrl: 'ApiUrl',
} as const;

export const DEFAULT_STACK_PREFIX = 'Maas';

export function stackNames(prefix: string): { storage: string; serving: string } {
  return { storage: `${prefix}-Storage`, serving: `${prefix}-Serving` };
}
