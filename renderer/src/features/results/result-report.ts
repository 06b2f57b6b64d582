/**
 * A result as a table, as files to export, and the names of those files. The
 * table on screen, the chart, the CSV and the JSON all come from the same
 * counts, so they cannot disagree. The station's conflict report goes with
 * every export: a `conflicts` part of the JSON, and a CSV file of its own
 * (one header for its merges and conflicts, so spreadsheets read it as is).
 */
import type { ChoiceCount, ConflictReport } from '../../../../core/api/interface-api.ts';

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

/** Lines of CSV as a file: each ends with CRLF, as RFC 4180 says. */
function csvText(lines: readonly string[]): string {
  return lines.map((line) => `${line}\r\n`).join('');
}

/** The result as RFC 4180 CSV: the header `choice,votes`, then one row per choice in ballot order, CRLF line ends. */
export function resultCsv(counts: readonly ChoiceCount[]): string {
  return csvText(['choice,votes', ...counts.map(({ choice, count }) => `${csvField(choice)},${count}`)]);
}

export interface ResultExport {
  readonly election: string;
  readonly stationId: string;
  readonly exportedAtMs: number;
  readonly counts: readonly ChoiceCount[];
  /** The station's conflict report; null when it could not be loaded. */
  readonly conflicts: ConflictReport | null;
}

const isoTime = (atMs: number): string => new Date(atMs).toISOString();

/** The conflict report as exported: its times in ISO 8601 (UTC), like `exportedAt`. */
function conflictsExport({ merges, conflicts }: ConflictReport) {
  return {
    merges: merges.map(({ mergedAtMs, sourceStationId, commands, applied }) => ({
      mergedAt: isoTime(mergedAtMs),
      sourceStationId,
      commands,
      applied,
    })),
    conflicts: conflicts.map((conflict) => ({
      kind: conflict.kind,
      mergedAt: isoTime(conflict.mergedAtMs),
      sourceStationId: conflict.sourceStationId,
      acceptedAt: isoTime(conflict.acceptedAtMs),
      command: conflict.command,
      member: conflict.member,
      election: conflict.election,
      resolution: conflict.resolution,
      renamedTo: conflict.renamedTo,
      reason: conflict.reason,
    })),
  };
}

/**
 * The result as JSON: `{ election, stationId, exportedAt (ISO 8601, UTC), counts: [{ choice, count }],
 * conflicts: { merges, conflicts } }`, `conflicts` being null when the report could not be loaded.
 */
export function resultJson({ election, stationId, exportedAtMs, counts, conflicts }: ResultExport): string {
  const exported = {
    election,
    stationId,
    exportedAt: isoTime(exportedAtMs),
    counts: counts.map(({ choice, count }) => ({ choice, count })),
    conflicts: conflicts === null ? null : conflictsExport(conflicts),
  };
  return `${JSON.stringify(exported, null, 2)}\n`;
}

/** The columns of the conflict report's CSV: the fields of the JSON's merges and conflicts, after `record`. */
const conflictColumns = [
  'record',
  'mergedAt',
  'sourceStationId',
  'commands',
  'applied',
  'acceptedAt',
  'kind',
  'command',
  'member',
  'election',
  'resolution',
  'renamedTo',
  'reason',
] as const;

/**
 * The conflict report as RFC 4180 CSV, CRLF line ends: one header, then a `merge` row per merge
 * and a `conflict` row per conflict, oldest first, with the JSON's fields and values (times in
 * ISO 8601, UTC); a cell that does not apply to its row is empty.
 */
export function conflictCsv(report: ConflictReport): string {
  const { merges, conflicts } = conflictsExport(report);
  const rows: Partial<Record<(typeof conflictColumns)[number], string | number | null>>[] = [
    ...merges.map((merge) => ({ record: 'merge', ...merge })),
    ...conflicts.map((conflict) => ({ record: 'conflict', ...conflict })),
  ];
  return csvText([
    conflictColumns.join(','),
    ...rows.map((row) => conflictColumns.map((column) => csvField(String(row[column] ?? ''))).join(',')),
  ]);
}

/**
 * A file name after the election, with characters that file systems refuse replaced:
 * `Mayor 2030-results.csv`, or `Mayor 2030-conflicts.csv` for the conflict report exported with it.
 */
export function resultFileName(
  election: string,
  extension: 'csv' | 'json',
  part: 'results' | 'conflicts' = 'results',
): string {
  const replaced = election.replace(/[\p{Cc}<>:"/\\|?*]/gu, '_').replace(/^[\s.]+|[\s.]+$/g, '');
  // By code point, so a character outside the BMP is never cut in half.
  const safe = Array.from(replaced).slice(0, 120).join('');
  return `${safe === '' ? 'election' : safe}-${part}.${extension}`;
}
