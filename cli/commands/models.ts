import { defineCommand } from 'citty';

export const modelsCommand = defineCommand({
  meta: { name: 'models', description: 'Push, list and describe models' },
  subCommands: {
    push: () => import('./models-push.js').then((m) => m.modelsPushCommand),
    list: () => import('./models-list.js').then((m) => m.modelsListCommand),
    describe: () => import('./models-describe.js').then((m) => m.modelsDescribeCommand),
  },
});
