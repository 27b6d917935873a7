// Builds the onnxruntime-node Lambda layer (with koffi) for one architecture from the installed packages.
// onnxruntime-node ships every platform's binaries (~290 MB, over Lambda's 250 MB unzipped limit for a
// function and its layers together), and koffi 28 MB of them, so the layer keeps only linux/<arch>:
// ~46 MiB for x86_64, ~26 MiB for arm64.
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

/** What onnxruntime-node's binding is built with (package.json "binary.napi_versions"). */
const NAPI_DIR = join('bin', 'napi-v6');

interface LayerPackage {
  /** Top-level files and folders of the package that the layer keeps whole (with package.json). */
  readonly code: readonly string[];
  /** The one folder of native binaries kept, and the binary in it the layer cannot work without. */
  readonly native?: (arch: LayerArchitecture) => { readonly dir: string; readonly binary: string };
}

/**
 * What the layer holds of each package. onnxruntime-node cannot be bundled (native addon), nor can
 * koffi, through which the inference function sets glibc's allocator for model loads
 * (core/inference/allocator.ts); onnxruntime-common comes with onnxruntime-node.
 */
const PACKAGES = {
  'onnxruntime-node': {
    code: ['dist'],
    native: (arch) => ({
      dir: join(NAPI_DIR, 'linux', NODE_ARCH[arch]),
      binary: 'onnxruntime_binding.node',
    }),
  },
  'onnxruntime-common': { code: ['dist'] },
  koffi: {
    code: ['index.js'],
    native: (arch) => ({
      dir: join('build', 'koffi', `linux_${NODE_ARCH[arch]}`),
      binary: 'koffi.node',
    }),
  },
} as const satisfies Record<string, LayerPackage>;
type PackageName = keyof typeof PACKAGES;

/** The packages the layer provides, which function bundles leave out. */
export const LAYER_MODULES = Object.keys(PACKAGES) as PackageName[];

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
 * Makes `dist/<arch>/nodejs/node_modules/{onnxruntime-node,onnxruntime-common,koffi}`. Unless `force`, an
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
    for (const name of LAYER_MODULES)
      copyPackage(sources[name].dir, arch, join(modules, name), name);
    for (const binary of nativeBinaries(arch, modules)) {
      if (!existsSync(binary)) throw new Error(`the installed packages have no ${binary}`);
    }
    // A concurrent build may have finished first; its layer is as good as ours, so leave it be.
    if (options.force || !isCurrent(arch, sources)) replace(dir, staging);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return { dir, built: true };
}

/** The native binaries a layer must hold, each package's for linux/<arch>. */
function nativeBinaries(arch: LayerArchitecture, modules: string): string[] {
  return LAYER_MODULES.flatMap((name) => {
    const layerPackage: LayerPackage = PACKAGES[name];
    const native = layerPackage.native?.(arch);
    return native === undefined ? [] : [join(modules, name, native.dir, native.binary)];
  });
}

/** Whether a path is on the way to `keep` or inside it. */
function within(path: string, keep: string): boolean {
  return keep === path || keep.startsWith(`${path}${sep}`) || path.startsWith(`${keep}${sep}`);
}

/** Total size of the files under a folder: what Lambda counts against its 250 MB unzipped limit. */
export function unzippedBytes(dir: string): number {
  return files(dir).reduce((sum, file) => sum + statSync(file).size, 0);
}

/** What the layer's zip will weigh, near enough: each file deflated as a zip entry would be. */
export function estimatedZipBytes(dir: string): number {
  return files(dir).reduce((sum, file) => sum + deflateRawSync(readFileSync(file)).byteLength, 0);
}

interface Source {
  readonly dir: string;
  readonly version: string | undefined;
}

/** The installed packages the layer copies, by name. */
type Sources = Record<PackageName, Source>;

function installedPackages(): Sources {
  const nodeDir = dirname(require.resolve('onnxruntime-node/package.json'));
  // onnxruntime-common's "exports" hide its package.json, so find its folder from its entry point.
  const commonEntry = createRequire(join(nodeDir, 'package.json')).resolve('onnxruntime-common');
  const marker = `${sep}node_modules${sep}onnxruntime-common${sep}`;
  const commonDir = commonEntry.slice(0, commonEntry.lastIndexOf(marker) + marker.length - 1);
  const koffiDir = dirname(require.resolve('koffi/package.json'));
  return {
    'onnxruntime-node': { dir: nodeDir, version: versionOf(nodeDir) },
    'onnxruntime-common': { dir: commonDir, version: versionOf(commonDir) },
    koffi: { dir: koffiDir, version: versionOf(koffiDir) },
  };
}

function isCurrent(arch: LayerArchitecture, sources: Sources): boolean {
  const modules = join(layerDir(arch), 'nodejs', 'node_modules');
  return (
    nativeBinaries(arch, modules).every((binary) => existsSync(binary)) &&
    Object.entries(sources).every(
      ([name, source]) => versionOf(layerPackageDir(arch, name)) === source.version,
    )
  );
}

/**
 * Copies what the layer keeps of a package (PACKAGES): package.json, its license, its code and only
 * this architecture's Linux binaries, whose other platforms are most of the package's size. Type
 * declarations and source maps stay out: the layer only runs the code.
 */
function copyPackage(from: string, arch: LayerArchitecture, to: string, name: PackageName): void {
  const layerPackage: LayerPackage = PACKAGES[name];
  const native = layerPackage.native?.(arch);
  cpSync(from, to, {
    recursive: true,
    filter: (source) => {
      const path = relative(from, source);
      if (path === '') return true;
      if (/\.d\.ts$|\.map$/.test(path)) return false;
      const top = path.split(sep)[0] as string;
      if (top === 'package.json' || /^LICEN[CS]E/i.test(top)) return true;
      if (layerPackage.code.includes(top)) return true;
      return native !== undefined && within(path, native.dir);
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
