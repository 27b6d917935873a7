// `npm run build:layer [-- arm64|x86_64 ...]`: rebuilds the layer (onnxruntime-node and koffi) for each
// architecture named (both by default) and reports its size against Lambda's 250 MB unzipped limit.
import { relative } from 'node:path';
import {
  buildLayer,
  estimatedZipBytes,
  LAYER_ARCHITECTURES,
  type LayerArchitecture,
  unzippedBytes,
} from './build-layer.js';

/** Lambda's limit for a function and all its layers, unzipped. */
const LAMBDA_UNZIPPED_LIMIT = 250 * 1024 * 1024;

const requested = process.argv.slice(2);
for (const arch of requested) {
  if (!(LAYER_ARCHITECTURES as readonly string[]).includes(arch)) {
    console.error(
      `build:layer: unknown architecture '${arch}': use ${LAYER_ARCHITECTURES.join(' or ')}`,
    );
    process.exit(2);
  }
}
const archs = (requested.length === 0 ? LAYER_ARCHITECTURES : requested) as LayerArchitecture[];

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
for (const arch of archs) {
  const started = Date.now();
  const { dir } = buildLayer(arch, { force: true });
  const unzipped = unzippedBytes(dir);
  const share = ((unzipped / LAMBDA_UNZIPPED_LIMIT) * 100).toFixed(0);
  console.log(
    `${arch}: ${relative(process.cwd(), dir)}  unzipped ${mb(unzipped)} (${share}% of 250 MiB), ` +
      `zipped ≈ ${mb(estimatedZipBytes(dir))}, built in ${Date.now() - started} ms`,
  );
}
