// How the process's C allocator treats a model load. glibc's malloc serves blocks under its mmap
// threshold from one heap and returns memory to the system only from the heap's top; the threshold also
// rises by itself to the largest mapped block freed (up to 32 MiB). A load frees megabytes in blocks
// under it: the 64 KiB buffers the model's bytes arrive in, the model-sized copies onnxruntime makes and
// drops while it opens the model. Whatever is allocated next pins that memory in the heap's middle, and
// the process kept two to three times its models' size (docs/benchmarks.md). So while bytes arrive,
// every block of 64 KiB or more gets its own mapping, unmapped when freed; while onnxruntime opens the
// model, every block of 1 MiB or more (mapping its smaller blocks too made opening Silero 15-35%
// slower). glibc maps a block only when no free heap memory fits it, so loads still reuse what is free
// first. Between loads the threshold is glibc's own ceiling, so large requests' buffers reuse heap
// memory instead of being mapped and zeroed anew each time.

import { requireLayerModule } from './layer-modules.js';

/** glibc's mallopt(3): returns 1 on success, 0 on error. */
export type Mallopt = (param: number, value: number) => number;

/** <malloc.h> */
export const M_TRIM_THRESHOLD = -1;
export const M_MMAP_THRESHOLD = -3;

const KiB = 1024;
const MiB = 1024 * KiB;

/** The smallest block mapped while a model's bytes arrive: Node reads sockets into 64 KiB buffers. */
export const FETCHING_MMAP_THRESHOLD = 64 * KiB;
/** The smallest block mapped while onnxruntime opens a model. */
export const OPENING_MMAP_THRESHOLD = 1 * MiB;
/** Between loads: the ceiling glibc's own threshold reaches on 64-bit. */
export const SERVING_MMAP_THRESHOLD = 32 * MiB;
/**
 * Free memory at the heap's top up to this stays for the next request. Setting the mmap threshold
 * stops glibc moving this one, so it is set as glibc would have: twice the serving threshold.
 */
export const SERVING_TRIM_THRESHOLD = 2 * SERVING_MMAP_THRESHOLD;

/** The two phases of a model load, each run with the allocator set for it. */
export interface LoadAllocator {
  /** While the model's bytes are read from the store. */
  fetching<T>(work: () => Promise<T>): Promise<T>;
  /** While onnxruntime opens the model. */
  opening<T>(work: () => Promise<T>): Promise<T>;
}

/**
 * The allocator settings above, applied through mallopt; without it (not glibc) work runs as it is.
 * Loads may overlap (the local server, preloading): the lowest threshold any running phase wants
 * holds until it ends. The settings are the process's, so a process makes one of these.
 */
export function loadAllocator(mallopt: Mallopt | undefined): LoadAllocator {
  if (mallopt === undefined) return { fetching: (work) => work(), opening: (work) => work() };
  const running = { fetching: 0, opening: 0 };
  let current: number | undefined; // glibc's own, moving threshold until the first load
  const apply = () => {
    const threshold =
      running.fetching > 0
        ? FETCHING_MMAP_THRESHOLD
        : running.opening > 0
          ? OPENING_MMAP_THRESHOLD
          : SERVING_MMAP_THRESHOLD;
    if (threshold === current) return;
    if (current === undefined) mallopt(M_TRIM_THRESHOLD, SERVING_TRIM_THRESHOLD);
    mallopt(M_MMAP_THRESHOLD, threshold);
    current = threshold;
  };
  const phase =
    (name: keyof typeof running) =>
    async <T>(work: () => Promise<T>): Promise<T> => {
      running[name]++;
      apply();
      try {
        return await work();
      } finally {
        running[name]--;
        apply();
      }
    };
  return { fetching: phase('fetching'), opening: phase('opening') };
}

/**
 * glibc's mallopt through koffi, which the function's layer ships beside onnxruntime-node. Off Linux
 * there is none to have; on Linux without it (musl, no koffi) `missing` says why. Either way loads
 * run with the allocator's defaults.
 */
export async function loadMallopt(): Promise<
  { readonly mallopt: Mallopt } | { readonly mallopt: undefined; readonly missing?: string }
> {
  if (process.platform !== 'linux') return { mallopt: undefined };
  try {
    const koffi = requireLayerModule('koffi') as typeof import('koffi');
    return { mallopt: koffi.load('libc.so.6').func('int mallopt(int, int)') as Mallopt };
  } catch (error) {
    return { mallopt: undefined, missing: error instanceof Error ? error.message : String(error) };
  }
}
