// Shared statistics and reporting for the benchmark: plain functions over numbers and rows, so every
// scenario family summarises and judges its samples the same way.

export interface Summary {
  readonly median: number;
  readonly p99: number;
  readonly n: number;
}

/** One side of a row: a summary of samples, or a single value (throughput, RSS) with no spread. */
export interface Measure {
  readonly median: number;
  readonly p99?: number;
  /** Samples behind the median. */
  readonly n?: number;
}

/** A promise the project makes: the ratio of medians (maas / reference) must be at most or at least a bound. */
export interface Target {
  readonly comparator: '<=' | '>=';
  readonly ratio: number;
}

export type Verdict = 'PASS' | 'MISS';

/**
 * How far the ratio moved within the run: the lowest and highest ratio over its consecutive slices
 * (stretches of time, or rounds taken in turn). On a shared machine the ratio drifts with the load;
 * a target inside this range is within the run's own noise.
 */
export interface Spread {
  readonly low: number;
  readonly high: number;
  readonly slices: number;
}

/** One measured scenario: maas against its reference, measured in the same run. */
export interface Row {
  /** Stable across runs and modes (e.g. 'in-process.silero.json'), for tools that read the JSON. */
  readonly id: string;
  readonly family: Family;
  /** What ran, for people: model, payload, concurrency. */
  readonly label: string;
  readonly unit: string;
  readonly maas: Measure;
  readonly reference: Measure;
  /** maas median / reference median. */
  readonly ratio: number;
  /** The ratio's range over slices of the run, where the scenario has more than one slice. */
  readonly spread?: Spread;
  readonly target?: Target;
  readonly verdict?: Verdict;
  /** Family-specific numbers (phases, throughput, sizes), shown in the table's detail column. */
  readonly details?: Readonly<Record<string, number | string>>;
}

export type Family = 'in-process' | 'http' | 'cold-start' | 'memory';

export const FAMILIES: readonly Family[] = ['in-process', 'http', 'cold-start', 'memory'];

/** Median and nearest-rank p99 of a sample; with under 100 samples p99 is the maximum. */
export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) throw new Error('no samples to summarize');
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  const p99 = sorted[Math.min(sorted.length - 1, Math.ceil(0.99 * sorted.length) - 1)]!;
  return { median, p99, n: sorted.length };
}

/**
 * The ratio of medians in each of `slices` consecutive slices of paired samples, `a[i]` and `b[i]`
 * taken together (or in turn) and kept in the order they were taken. Fewer slices when there are
 * fewer pairs.
 */
export function sliceRatios(a: readonly number[], b: readonly number[], slices: number): number[] {
  if (a.length !== b.length) throw new Error(`unpaired samples: ${a.length} and ${b.length}`);
  const count = Math.min(slices, a.length);
  const edge = (k: number) => Math.round((k * a.length) / count);
  return Array.from({ length: count }, (_, k) => {
    const [from, to] = [edge(k), edge(k + 1)];
    return summarize(a.slice(from, to)).median / summarize(b.slice(from, to)).median;
  });
}

/** The lowest and highest of a run's slice ratios; undefined for one slice, which has no spread. */
export function spreadOf(ratios: readonly number[]): Spread | undefined {
  if (ratios.length < 2) return undefined;
  return { low: Math.min(...ratios), high: Math.max(...ratios), slices: ratios.length };
}

export function judge(ratio: number, target: Target | undefined): Verdict | undefined {
  if (target === undefined) return undefined;
  const ok = target.comparator === '<=' ? ratio <= target.ratio : ratio >= target.ratio;
  return ok ? 'PASS' : 'MISS';
}

/** A row with its ratio and verdict filled in from the two summaries. */
export function row(
  fields: Omit<Row, 'ratio' | 'verdict' | 'spread'> & {
    readonly ratio?: number;
    readonly spread?: Spread | undefined;
  },
): Row {
  const { spread, ...rest } = fields;
  const ratio = fields.ratio ?? fields.maas.median / fields.reference.median;
  const verdict = judge(ratio, fields.target);
  return {
    ...rest,
    ratio,
    ...(spread === undefined ? {} : { spread }),
    ...(verdict === undefined ? {} : { verdict }),
  };
}

/** A number with about three significant digits: 0.0123, 1.23, 123, 12345. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 100 || Number.isInteger(value)) return Math.round(value).toString();
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return value.toPrecision(3);
}

const HEADERS = [
  'scenario',
  'maas median',
  'maas p99',
  'ref median',
  'ref p99',
  'ratio',
  'ratio range',
  'target',
  'result',
  'details',
];

/** The rows as table cells, one array per row, in HEADERS order. */
function cells(r: Row): string[] {
  const unit = (v: number | undefined) => (v === undefined ? '' : `${formatNumber(v)} ${r.unit}`);
  const details = Object.entries(r.details ?? {})
    .map(([k, v]) => `${k} ${typeof v === 'number' ? formatNumber(v) : v}`)
    .join(', ');
  return [
    r.label,
    unit(r.maas.median),
    unit(r.maas.p99),
    unit(r.reference.median),
    unit(r.reference.p99),
    `${r.ratio.toFixed(2)}x`,
    r.spread === undefined ? '' : `${r.spread.low.toFixed(2)}-${r.spread.high.toFixed(2)}x`,
    r.target === undefined ? '' : `${r.target.comparator} ${r.target.ratio}x`,
    r.verdict ?? '',
    details,
  ];
}

/** A plain-text table per family, columns padded to fit, for stdout. */
export function formatTable(rows: readonly Row[]): string {
  const sections: string[] = [];
  for (const family of FAMILIES) {
    const mine = rows.filter((r) => r.family === family);
    if (mine.length === 0) continue;
    const table = [HEADERS, ...mine.map(cells)];
    const widths = HEADERS.map((_, i) => Math.max(...table.map((line) => line[i]!.length)));
    const lines = table.map((line) =>
      line
        .map((cell, i) =>
          i === 0 || i === line.length - 1 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!),
        )
        .join('  ')
        .trimEnd(),
    );
    lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
    sections.push(`${family}\n${lines.join('\n')}`);
  }
  return sections.join('\n\n');
}

/** The same tables in Markdown, for docs/benchmarks.md. */
export function formatMarkdown(rows: readonly Row[]): string {
  const sections: string[] = [];
  for (const family of FAMILIES) {
    const mine = rows.filter((r) => r.family === family);
    if (mine.length === 0) continue;
    const escapeCell = (cell: string) => cell.replaceAll('|', '\\|');
    const lines = [
      `| ${HEADERS.join(' | ')} |`,
      `| ${HEADERS.map((_, i) => (i === 0 || i === HEADERS.length - 1 ? '---' : '---:')).join(' | ')} |`,
      ...mine.map((r) => `| ${cells(r).map(escapeCell).join(' | ')} |`),
    ];
    sections.push(`### ${family}\n\n${lines.join('\n')}`);
  }
  return sections.join('\n\n');
}
