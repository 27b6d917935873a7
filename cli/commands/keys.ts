import { defineCommand } from 'citty';

export const keysCommand = defineCommand({
  meta: { name: 'keys', description: 'Create, list and revoke API keys' },
  subCommands: {
    create: () => import('./keys-create.js').then((m) => m.keysCreateCommand),
    list: () => import('./keys-list.js').then((m) => m.keysListCommand),
    revoke: () => import('./keys-revoke.js').then((m) => m.keysRevokeCommand),
  },
});
