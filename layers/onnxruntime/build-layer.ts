// Builds the onnxruntime-node Lambda layer for one architecture from the installed package. The package
// ships every platform's binaries (~290 MB, over Lambda's 250 MB unzipped limit for a function and its
// layers together), so the layer keeps only linux/<arch>: ~46 MB for x86_64, ~26 MB for arm64.
import { randomBytes } from 'node:crypto';
import {
  cpSync,
  existsSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateRawSync } from 'node:zlib';

/** Lambda's names for the two architectures, as the `architecture` context value spells them. */
export const LAYER_ARCHITECTURES = ['arm64', 'x86_64'] as const;
export type LayerArchitecture = (typeof LAYER_ARCHITECTURES)[number];

/** Node's `process.arch` on each: onnxruntime-node picks its binary by it. */
const NODE_ARCH = { arm64: 'arm64', x86_64: 'x64' } as const satisfies Record<
  LayerArchitecture,
  string
>;

/** What the native binding is built with (package.json "binary.napi_versions"). */
const NAPI_DIR = join('bin', 'napi-v6');

const DIST = fileURLToPath(new URL('./dist/', import.meta.url));
const require = createRequire(import.meta.url);

/** The layer's root for an architecture: Lambda unpacks it to /opt, so modules sit in nodejs/node_modules. */
export function layerDir(arch: LayerArchitecture): string {
  return join(DIST, arch);
}

/** Where the layer's copy of a package sits. */
export function layerPackageDir(arch: LayerArchitecture, name: string): string {
  return join(layerDir(arch), 'nodejs', 'node_modules', name);
}

export interface LayerBuild {
  readonly dir: string;
  /** False when an up-to-date layer was already there. */
  readonly built: boolean;
}

/**
 * Makes `dist/<arch>/nodejs/node_modules/{onnxruntime-node,onnxruntime-common}`. Unless `force`, an
 * existing layer of the installed versions is kept, so `cdk synth` pays for the copy only once.
 * Safe to run concurrently (jest workers, a synth beside a test): each build goes to its own temporary
 * folder and is renamed into place, so a reader never sees half a layer.
 */
export function buildLayer(arch: LayerArchitecture, options: { force?: boolean } = {}): LayerBuild {
  const dir = layerDir(arch);
  const sources = installedPackages();
  if (!options.force && isCurrent(arch, sources)) return { dir, built: false };

  const staging = join(DIST, `.staging-${arch}-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    const modules = join(staging, 'nodejs', 'node_modules');
    copyPackage(sources.node, join(modules, 'onnxruntime-node'), (path) => {
      if (!path.startsWith(`${NAPI_DIR}${sep}`) && path !== NAPI_DIR && path !== 'bin') return true;
      // Only this architecture's Linux binaries: the other platforms' are most of the package's size.
      const keep = join(NAPI_DIR, 'linux', NODE_ARCH[arch]);
      return keep.startsWith(path) || path.startsWith(keep);
    });
    copyPackage(sources.common, join(modules, 'onnxruntime-common'), () => true);
    const native = join(modules, 'onnxruntime-node', NAPI_DIR, 'linux', NODE_ARCH[arch]);
    if (!existsSync(join(native, 'onnxruntime_binding.node'))) {
      throw new Error(`the installed onnxruntime-node has no linux/${NODE_ARCH[arch]} binding`);
    }
    // A concurrent build may have finished first; its layer is as good as ours, so leave it be.
    if (options.force || !isCurrent(arch, sources)) replace(dir, staging);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return { dir, built: true };
}

/** Total size of the files under a folder: what Lambda counts against its 250 MB unzipped limit. */
export function unzippedBytes(dir: string): number {
  return files(dir).reduce((sum, file) => sum + statSync(file).size, 0);
}

/** What the layer's zip will weigh, near enough: each file deflated as a zip entry would be. */
export function estimatedZipBytes(dir: string): number {
  return files(dir).reduce((sum, file) => sum + deflateRawSync(readFileSync(file)).byteLength, 0);
}

interface Sources {
  readonly node: { readonly dir: string; readonly version: string | undefined };
  readonly common: { readonly dir: string; readonly version: string | undefined };
}

function installedPackages(): Sources {
  const nodeDir = dirname(require.resolve('onnxruntime-node/package.json'));
  // onnxruntime-common's "exports" hide its package.json, so find its folder from its entry point.
  const commonEntry = createRequire(join(nodeDir, 'package.json')).resolve('onnxruntime-common');
  const marker = `${sep}node_modules${sep}onnxruntime-common${sep}`;
  const commonDir = commonEntry.slice(0, commonEntry.lastIndexOf(marker) + marker.length - 1);
  return {
    node: { dir: nodeDir, version: versionOf(nodeDir) },
    common: { dir: commonDir, version: versionOf(commonDir) },
  };
}

function isCurrent(arch: LayerArchitecture, sources: Sources): boolean {
  const node = layerPackageDir(arch, 'onnxruntime-node');
  const common = layerPackageDir(arch, 'onnxruntime-common');
  return (
    existsSync(join(node, NAPI_DIR, 'linux', NODE_ARCH[arch], 'onnxruntime_binding.node')) &&
    existsSync(join(common, 'package.json')) &&
    versionOf(node) === sources.node.version &&
    versionOf(common) === sources.common.version
  );
}

/**
 * Copies package.json and dist/ (plus what `keep` allows of bin/), leaving out type declarations and
 * source maps: the layer only runs the code.
 */
function copyPackage(
  from: { readonly dir: string },
  to: string,
  keep: (relativePath: string) => boolean,
): void {
  cpSync(from.dir, to, {
    recursive: true,
    filter: (source) => {
      const path = relative(from.dir, source);
      if (path === '') return true;
      const top = path.split(sep)[0];
      if (top !== 'package.json' && top !== 'dist' && top !== 'bin') return false;
      if (/\.d\.ts$|\.map$/.test(path)) return false;
      return keep(path);
    },
  });
}

/** Puts `staging` at `dir` with renames only, so the folder is always either the old or the new layer. */
function replace(dir: string, staging: string): void {
  const old = `${staging}.old`;
  if (existsSync(dir)) renameSync(dir, old);
  try {
    renameSync(staging, dir);
  } catch (error) {
    // Another build won the race and its layer (from the same installed package) is in place.
    if (!existsSync(dir)) throw error;
  } finally {
    rmSync(old, { recursive: true, force: true });
  }
}

function versionOf(packageDir: string): string | undefined {
  try {
    const pkg = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
      version?: string;
    };
    return pkg.version;
  } catch {
    return undefined;
  }
}

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}
