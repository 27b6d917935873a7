import { defineCommand } from 'citty';

export const modelsCommand = defineCommand({
  meta: {
    name: 'models',
    description: 'Push, inspect, promote, canary, roll back and retire models',
  },
  subCommands: {
    push: () => import('./models-push.js').then((m) => m.modelsPushCommand),
    list: () => import('./models-list.js').then((m) => m.modelsListCommand),
    describe: () => import('./models-describe.js').then((m) => m.modelsDescribeCommand),
    promote: () => import('./models-promote.js').then((m) => m.modelsPromoteCommand),
    canary: () => import('./models-canary.js').then((m) => m.modelsCanaryCommand),
    rollback: () => import('./models-rollback.js').then((m) => m.modelsRollbackCommand),
    history: () => import('./models-history.js').then((m) => m.modelsHistoryCommand),
    delete: () => import('./models-delete.js').then((m) => m.modelsDeleteCommand),
  },
});
