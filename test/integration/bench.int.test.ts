import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { BenchReport } from '../../bench/main.js';
import { runTs } from '../helpers/processes.js';

// Every scenario the issue asks for; the quick run must report each, whatever the numbers are.
const EXPECTED_IDS = [
  ...['tiny', 'silero', 'conv'].flatMap((m) => [`in-process.${m}.json`, `in-process.${m}.binary`]),
  ...[1, 8, 32].flatMap((c) => [`http.c${c}.throughput`, `http.c${c}.latency`]),
  ...['silero', 'large'].flatMap((m) =>
    ['total', 'floor', 'boot', 'import', 'load', 'session', 'run'].map(
      (p) => `cold-start.${m}.${p}`,
    ),
  ),
  ...[1, 5, 20].map((n) => `memory.models-${n}`),
];

// Timings are never asserted: this checks that the benchmark runs and reports, not how fast maas is.
describe('npm run bench -- --quick', () => {
  let dir: string;
  let run: { code: number | null; output: string };
  let report: BenchReport;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'maas-bench-test-'));
    const out = join(dir, 'latest.json');
    run = await runTs('bench/main.ts', ['--quick', '--out', out], {});
    report = JSON.parse(await readFile(out, 'utf8')) as BenchReport;
  }, 240_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('exits 0 and prints a table per scenario family', () => {
    expect(run.code).toBe(0);
    for (const family of ['in-process', 'http', 'cold-start', 'memory'])
      expect(run.output).toMatch(new RegExp(`^${family}$`, 'm'));
  });

  it('reports every scenario with numeric medians and their ratio', () => {
    expect(report.rows.map((r) => r.id).sort()).toEqual([...EXPECTED_IDS].sort());
    for (const row of report.rows) {
      expect(Number.isFinite(row.maas.median)).toBe(true);
      expect(Number.isFinite(row.reference.median)).toBe(true);
      expect(Number.isFinite(row.ratio)).toBe(true);
      if (row.target !== undefined) expect(['PASS', 'MISS']).toContain(row.verdict);
    }
  });

  it('says which machine it ran on', () => {
    expect(report).toMatchObject({ quick: true, machine: { node: process.version } });
    expect(report.machine.cores).toBeGreaterThan(0);
  });
});
