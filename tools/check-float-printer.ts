// Checks the FP32 printer (core/oip/number-print.ts) against String() on every finite positive
// FP32 value, a slice per core: the unit tests sample, this covers all 2^31 bit patterns (12 to 30
// minutes on two cores). A negative value prints as its magnitude after a '-', by the same code.
// Run after changing the printer: `npx tsx tools/check-float-printer.ts`.
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { printFloats } from '../core/oip/number-print.js';

const TOTAL = 2 ** 31; // the sign bit clear
const BATCH = 1 << 16;

if (process.argv[2] === '--slice') {
  const [from, to] = [Number(process.argv[3]), Number(process.argv[4])];
  const bits = new Uint32Array(BATCH);
  const values = new Float32Array(bits.buffer);
  let checked = 0;
  let shown = 0;
  for (let start = from; start < to; start += BATCH) {
    const percent = Math.floor(((start - from) / (to - from)) * 100);
    if (percent >= shown + 10) {
      shown = percent;
      console.error(`  values ${from} to ${to}: ${percent}%`);
    }
    for (let i = 0; i < BATCH; i++) bits[i] = start + i;
    const finite = values.filter(Number.isFinite);
    const printed = printFloats(finite)?.split(',') ?? [];
    for (let i = 0; i < finite.length; i++) {
      if (printed[i] !== String(finite[i])) {
        console.log(JSON.stringify({ mismatch: String(finite[i]), printed: printed[i] }));
        process.exit(1);
      }
    }
    checked += finite.length;
  }
  console.log(JSON.stringify({ checked }));
} else {
  const cores = availableParallelism();
  const started = Date.now();
  const slices = Array.from({ length: cores }, (_, i) => [
    Math.floor((TOTAL / cores) * i),
    Math.floor((TOTAL / cores) * (i + 1)),
  ]);
  console.error(`checking ${TOTAL} bit patterns in ${cores} processes...`);
  const results = await Promise.all(
    slices.map(
      ([from, to]) =>
        new Promise<string>((resolve) => {
          const child = spawn(
            process.execPath,
            [
              ...process.execArgv,
              fileURLToPath(import.meta.url),
              '--slice',
              String(from),
              String(to),
            ],
            { stdio: ['ignore', 'pipe', 'inherit'] },
          );
          let out = '';
          child.stdout.on('data', (chunk) => {
            out += chunk;
          });
          child.on('exit', () => resolve(out.trim()));
        }),
    ),
  );
  const parsed = results.map((r) => JSON.parse(r || '{}') as { checked?: number });
  const checked = parsed.reduce((sum, r) => sum + (r.checked ?? 0), 0);
  const failed = results.filter((_, i) => parsed[i]?.checked === undefined);
  const seconds = Math.round((Date.now() - started) / 1000);
  if (failed.length > 0) {
    console.error(`MISMATCH: ${failed.join('\n')}`);
    process.exit(1);
  }
  console.error(
    `all ${checked} finite positive FP32 values print as String() prints them (${seconds} s)`,
  );
}
