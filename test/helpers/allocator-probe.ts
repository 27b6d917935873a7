// Run by test/unit/core/inference/allocator.test.ts in a fresh process, whose small heap makes glibc's
// choices predictable: asks for Node buffers larger than all free heap memory, under glibc's defaults
// and under the thresholds maas sets, and prints which ones glibc mapped on their own (mallinfo2's hblks).
import koffi from 'koffi';
import {
  FETCHING_MMAP_THRESHOLD,
  loadMallopt,
  M_MMAP_THRESHOLD,
  SERVING_MMAP_THRESHOLD,
} from '../../core/inference/allocator.js';

/** struct mallinfo2 in <malloc.h>: ten size_t. */
const MALLINFO2 = koffi.struct('mallinfo2', {
  arena: 'size_t',
  ordblks: 'size_t',
  smblks: 'size_t',
  hblks: 'size_t', // blocks mapped on their own
  hblkhd: 'size_t',
  usmblks: 'size_t',
  fsmblks: 'size_t',
  uordblks: 'size_t',
  fordblks: 'size_t', // free heap memory
  keepcost: 'size_t',
});
const mallinfo2 = koffi.load('libc.so.6').func('mallinfo2', MALLINFO2, []);
const info = () => mallinfo2() as { hblks: number | bigint; fordblks: number | bigint };

const held: Buffer[] = [];
/** Whether a buffer of `bytes` more than the heap has free was mapped on its own. */
const mapped = (bytes: number) => {
  const before = info();
  held.push(Buffer.allocUnsafe(Number(before.fordblks) + bytes));
  return Number(info().hblks) - Number(before.hblks) === 1;
};

const MiB = 1024 * 1024;
const byDefault = mapped(4 * MiB);
const malloc = await loadMallopt();
if (malloc.mallopt === undefined) throw new Error(`no mallopt: ${malloc.missing}`);
const serving = malloc.mallopt(M_MMAP_THRESHOLD, SERVING_MMAP_THRESHOLD);
const whileServing = mapped(4 * MiB);
const fetching = malloc.mallopt(M_MMAP_THRESHOLD, FETCHING_MMAP_THRESHOLD);
const whileFetching = mapped(FETCHING_MMAP_THRESHOLD);
console.log(
  JSON.stringify({ results: [serving, fetching], byDefault, whileServing, whileFetching }),
);
