// zod for the code the functions load. `zod/mini` has the same checks as zod's classic API but is
// tree-shaken to the parts used: the classic API put 444 KiB of the inference bundle's 1.2 MB on every
// cold start (the bundle's import took 288-317 ms with it, 193-228 ms without; docs/benchmarks.md).
// Error messages stay the classic ones: mini loads no locale by itself.

import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());

export * from 'zod/mini';
