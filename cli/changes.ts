import { describeChange } from '../core/models/routing.js';
import type { Change } from '../core/models/schemas.js';
import { printJson, printLine } from './output.js';

/** Prints what a routing change did, or that there was nothing to do (also a success). */
export function reportChange(
  name: string,
  change: Change | undefined,
  json: boolean | undefined,
  nothing: string,
): void {
  if (json) {
    printJson({ changed: change !== undefined, ...(change === undefined ? {} : { change }) });
    return;
  }
  printLine(
    change === undefined
      ? `${name}: ${nothing}; nothing changed`
      : `${name}: ${describeChange(change)}, revision ${change.revision}`,
  );
}
