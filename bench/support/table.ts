/** Printing figures: one table per section, each figure with its target and baseline ratio. */

import { percentile } from './timing.ts';

export interface Figure {
  readonly label: string;
  /** The measured value, already formatted (see the format helpers below). */
  readonly value: string;
  /** The target, e.g. `≥ 100,000/s`; empty when the figure is context only. */
  readonly target?: string;
  /** Whether the target is met; omitted when there is no target. */
  readonly met?: boolean;
  /** Ratio to the baseline measured in the same run, e.g. `62% of no-op`. */
  readonly ratio?: string;
}

export function printSectionTitle(title: string): void {
  process.stdout.write(`\n== ${title} ==\n`);
}

export function printNote(text: string): void {
  process.stdout.write(`   ${text}\n`);
}

export function printFigures(figures: readonly Figure[]): void {
  const rows = figures.map((figure) => [
    figure.label,
    figure.value,
    figure.target === undefined
      ? ''
      : `${figure.target}${figure.met === undefined ? '' : figure.met ? '  (met)' : '  (NOT met)'}`,
    figure.ratio ?? '',
  ]);
  const header = ['figure', 'measured', 'target', 'vs baseline'];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]): string =>
    '   ' +
    cells
      .map((cell, column) =>
        column === 1 ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0),
      )
      .join('   ')
      .trimEnd() +
    '\n';
  process.stdout.write(line(header));
  process.stdout.write(line(widths.map((width) => '-'.repeat(width))));
  for (const row of rows) process.stdout.write(line(row));
}

export function formatCount(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

export function formatRate(perSecond: number, unit = '/s'): string {
  return `${formatCount(perSecond)}${unit}`;
}

export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return 'n/a';
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 10) return `${ms.toFixed(0)} ms`;
  return `${ms.toFixed(2)} ms`;
}

/** The median and 99th percentile of ascending latencies in ms, as `p50 / p99`. */
export function formatLatency(latenciesMs: ArrayLike<number>): string {
  return `${formatMs(percentile(latenciesMs, 50))} / ${formatMs(percentile(latenciesMs, 99))}`;
}

export function formatMicroseconds(us: number): string {
  return Number.isFinite(us) ? `${us.toFixed(0)} µs` : 'n/a';
}

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return 'n/a';
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
  return `${(bytes / 1024 ** 2).toFixed(0)} MiB`;
}

export function formatPercent(ratio: number): string {
  return Number.isFinite(ratio) ? `${(ratio * 100).toFixed(0)}%` : 'n/a';
}
