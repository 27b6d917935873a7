import { defineCommand } from 'citty';
import { listModels } from '../../core/models/registry.js';
import { strictArgs, targetArgs } from '../args.js';
import { printJson, printLine, printTable } from '../output.js';
import { withTarget } from '../target.js';

export const modelsListCommand = defineCommand({
  meta: { name: 'list', description: 'List models: latest version, stable, canary' },
  plugins: [strictArgs],
  args: { ...targetArgs },
  async run({ args }) {
    await withTarget(args, async (target) => {
      const models = await listModels(target.deps);
      if (args.json) return printJson(models);
      if (models.length === 0)
        return printLine('no models yet: push one with `maas models push <name> <file.onnx>`');
      printTable(models, {
        name: (m) => m.name,
        latest: (m) => String(m.lastVersion),
        stable: (m) => (m.stable === undefined ? '-' : String(m.stable)),
        canary: (m) => (m.canary === undefined ? '-' : `${m.canary} (${m.canaryWeight}%)`),
        created: (m) => m.createdAt,
      });
    });
  },
});
