import { defineCommand } from 'citty';
import { collectGarbage } from '../../core/models/gc.js';
import { integerFlag, strictArgs, targetArgs } from '../args.js';
import { formatBytes, printJson, printLine, printTable } from '../output.js';
import { withTarget } from '../target.js';

export const gcCommand = defineCommand({
  meta: {
    name: 'gc',
    description:
      'Find model bytes nothing serves (failed pushes, long-retired versions); --delete removes them',
  },
  plugins: [strictArgs],
  args: {
    delete: { type: 'boolean', description: 'Remove what is found (default: only report)' },
    'grace-minutes': {
      type: 'string',
      description:
        'Leave unreferenced bytes younger than this (a push may be in flight; default 60)',
      valueHint: 'N',
    },
    ...targetArgs,
  },
  async run({ args }) {
    await withTarget(args, async (target) => {
      const report = await collectGarbage(target.deps, {
        retiredRetentionDays: target.config.retiredRetentionDays,
        graceMinutes: integerFlag(args['grace-minutes'], 'grace-minutes') ?? 60,
        apply: args.delete === true,
      });
      if (args.json) return printJson(report);
      const total = report.candidates.reduce((n, c) => n + c.size, 0);
      if (report.candidates.length > 0) {
        printTable(report.candidates, {
          key: (c) => c.key,
          size: (c) => formatBytes(c.size),
          reason: (c) =>
            c.reason === 'retired'
              ? `retired (versions ${c.versions.join(', ')})`
              : 'orphan: no version refers to it',
          modified: (c) => c.lastModified,
        });
        printLine();
      }
      printLine(
        args.delete
          ? `removed ${report.deleted} object(s), ${formatBytes(report.freedBytes)}; scanned ${report.scanned}, kept ${report.kept.length} for now`
          : `${report.candidates.length} object(s), ${formatBytes(total)}, can be removed (dry run: pass --delete); scanned ${report.scanned}, kept ${report.kept.length} for now`,
      );
    });
  },
});
