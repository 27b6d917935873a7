/** Key schemas of maas's DynamoDB tables, shared by the stacks, the local seed and the code. */
export const TABLES = {
  /** Model heads, versions, content claims and (later) routing history. */
  models: { partitionKey: 'pk', sortKey: 'sk' },
  /** API keys, by name; only their hashes are stored. */
  keys: { partitionKey: 'pk' },
} as const;
