import { readFile } from 'node:fs/promises';
import { defineCommand } from 'citty';
import { checkModelName } from '../../core/models/names.js';
import { checkDescription, pushModel } from '../../core/models/push.js';
import { checkArg, strictArgs, targetArgs } from '../args.js';
import { UsageError } from '../errors.js';
import { formatBytes, printJson, printLine } from '../output.js';
import { progressBar } from '../progress.js';
import { withTarget } from '../target.js';

export const modelsPushCommand = defineCommand({
  meta: { name: 'push', description: 'Upload an ONNX model as a new immutable version' },
  plugins: [strictArgs],
  args: {
    name: { type: 'positional', description: 'Model name', required: true },
    file: { type: 'positional', description: 'Path to the .onnx file', required: true },
    description: { type: 'string', description: 'What this version is (shown by describe)' },
    ...targetArgs,
  },
  async run({ args }) {
    const name = checkArg(checkModelName, args.name);
    const description = checkArg(checkDescription, args.description);
    const bytes = await readFile(args.file).catch((error: NodeJS.ErrnoException) => {
      throw new UsageError(`cannot read ${args.file}: ${error.code ?? error.message}`);
    });
    await withTarget(args, async (target) => {
      const progress = progressBar(`uploading ${name}`);
      const result = await pushModel(target.deps, {
        name,
        bytes,
        createdBy: await target.identity(),
        description,
        onProgress: (p) => progress.update(p),
      }).finally(() => progress.done());
      const { version } = result;
      if (args.json)
        return printJson({ created: result.created, restored: result.restored, ...version });
      const sha = version.sha256.slice(0, 12);
      printLine(
        result.created
          ? `pushed ${version.name} version ${version.version} (${formatBytes(version.size)}, sha256 ${sha})`
          : result.restored
            ? `${version.name} version ${version.version} has these bytes (sha256 ${sha}), but the stored copy was missing or damaged: stored them again`
            : `${version.name} version ${version.version} already has these bytes (sha256 ${sha}); nothing pushed`,
      );
    });
  },
});
