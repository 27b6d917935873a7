// What the cold-start floor child (cold-floor.ts) loads as a bundle of its own, timed: the AWS SDK
// clients as maas creates them (core/clients.ts) and maas's reader of a model's bytes.
export { createClients } from '../../core/clients.js';
export { readModelBytes } from '../../core/models/artifacts.js';
