import { PART_SIZE, type Progress } from '../core/models/artifacts.js';
import { currentIo, formatBytes } from './output.js';

const WIDTH = 30;

/**
 * A progress reporter for long transfers, on stderr so `--json` output stays clean: a redrawn bar on a
 * terminal, a line per quarter otherwise (CI logs). Single-part transfers finish too fast to need one.
 */
export function progressBar(label: string): { update(progress: Progress): void; done(): void } {
  const { stderr } = currentIo();
  let lastQuarter = -1;
  let drawn = false;
  return {
    update({ done, total }) {
      if (total <= PART_SIZE) return;
      const ratio = total === 0 ? 1 : done / total;
      const text = `${label} ${formatBytes(done)} / ${formatBytes(total)} (${Math.floor(ratio * 100)}%)`;
      if (stderr.isTTY) {
        const filled = Math.round(ratio * WIDTH);
        stderr.write(`\r[${'#'.repeat(filled)}${' '.repeat(WIDTH - filled)}] ${text}`);
        drawn = true;
      } else if (Math.floor(ratio * 4) > lastQuarter) {
        lastQuarter = Math.floor(ratio * 4);
        stderr.write(`${text}\n`);
      }
    },
    done() {
      if (drawn) stderr.write('\n');
    },
  };
}
