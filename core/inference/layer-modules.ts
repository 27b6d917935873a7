// onnxruntime-node and koffi come from the function's layer and are CommonJS. They are required, not
// imported: an import makes Node parse a CommonJS package (and what it re-exports) for its export
// names first. onnxruntime-node took 35-77 ms of a cold start imported against 22-28 ms required,
// koffi 12-19 against 7-11 (fresh processes, Node 20; Node 22 alike). require also resolves through
// NODE_PATH, which is how Lambda finds a layer's /opt/nodejs/node_modules.
// Aliased: the functions' bundle banner (infra/bundling.ts) declares `createRequire` itself.
import { createRequire as requireFrom } from 'node:module';

export const requireLayerModule = requireFrom(import.meta.url);
