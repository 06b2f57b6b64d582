/**
 * A result as a table, as files to export, and the names of those files. The
 * table on screen, the chart, the CSV and the JSON all come from the same
 * counts, so they cannot disagree.
 */
import type { ChoiceCount } from '../../../../core/api/interface-api.ts';

export interface TallyRow {
  readonly choice: string;
  readonly count: number;
  /** The choice's part of all votes, 0 to 1; null when nobody voted. */
  readonly share: number | null;
}

export interface Tally {
  readonly rows: readonly TallyRow[];
  readonly total: number;
}

export function tally(counts: readonly ChoiceCount[]): Tally {
  const total = counts.reduce((sum, { count }) => sum + count, 0);
  return {
    rows: counts.map(({ choice, count }) => ({ choice, count, share: total === 0 ? null : count / total })),
    total,
  };
}

/** An RFC 4180 field: quoted, with quotes doubled, when it holds a quote, a comma or a line break. */
function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** The result as RFC 4180 CSV: the header `choice,votes`, then one row per choice in ballot order, CRLF line ends. */
export function resultCsv(counts: readonly ChoiceCount[]): string {
  const lines = ['choice,votes', ...counts.map(({ choice, count }) => `${csvField(choice)},${count}`)];
  return lines.map((line) => `${line}\r\n`).join('');
}

export interface ResultExport {
  readonly election: string;
  readonly stationId: string;
  readonly exportedAtMs: number;
  readonly counts: readonly ChoiceCount[];
}

/** The result as JSON: `{ election, stationId, exportedAt (ISO 8601, UTC), counts: [{ choice, count }] }`. */
export function resultJson({ election, stationId, exportedAtMs, counts }: ResultExport): string {
  const exported = {
    election,
    stationId,
    exportedAt: new Date(exportedAtMs).toISOString(),
    counts: counts.map(({ choice, count }) => ({ choice, count })),
  };
  return `${JSON.stringify(exported, null, 2)}\n`;
}

/** A file name after the election, with characters that file systems refuse replaced: `Mayor 2030-results.csv`. */
export function resultFileName(election: string, extension: 'csv' | 'json'): string {
  const replaced = election.replace(/[\p{Cc}<>:"/\\|?*]/gu, '_').replace(/^[\s.]+|[\s.]+$/g, '');
  // By code point, so a character outside the BMP is never cut in half.
  const safe = Array.from(replaced).slice(0, 120).join('');
  return `${safe === '' ? 'election' : safe}-results.${extension}`;
}
