/**
 * A CSV file of voters, read in the renderer: a first line naming the columns
 * `name`, `group` and optionally `publicKey` (any order, any letter case), then
 * one voter a line. Rows are numbered as a spreadsheet shows them (the column
 * names are row 1), so a reported row is easy to find. Checks that need no
 * station happen here; the station still has the last word on every row.
 */
import Papa from 'papaparse';
import { parsePublicKeyText, type PublicKeyProblem } from './public-key-text.ts';
import { groupProblem, nameProblem, type TooLong } from './voter-labels.ts';

export const csvImportLimits = {
  fileBytesMax: 10 * 1024 * 1024,
  rowsMax: 100_000,
} as const;

export const csvColumns = ['name', 'group', 'publicKey'] as const;
type Column = (typeof csvColumns)[number];
const requiredColumns: readonly Column[] = ['name', 'group'];

export interface ImportRow {
  readonly rowNumber: number;
  readonly name: string;
  readonly group: string;
  /** Null: the voter gets a new credential. */
  readonly publicKey: Uint8Array | null;
}

export type RowProblem =
  | { readonly problem: 'field-count'; readonly found: number; readonly expected: number }
  | { readonly problem: 'bad-quotes' }
  | { readonly problem: 'missing-name' }
  | { readonly problem: 'missing-group' }
  | { readonly problem: TooLong }
  | { readonly problem: 'public-key'; readonly key: Exclude<PublicKeyProblem, { problem: 'empty' }> }
  | { readonly problem: 'duplicate-name'; readonly firstRow: number };

export interface RejectedRow {
  readonly rowNumber: number;
  readonly name: string;
  readonly problem: RowProblem;
}

export type CsvFileProblem =
  | { readonly problem: 'empty' }
  | { readonly problem: 'missing-columns'; readonly columns: readonly Column[] }
  | { readonly problem: 'unknown-column'; readonly column: string }
  | { readonly problem: 'duplicate-column'; readonly column: string }
  | { readonly problem: 'no-rows' }
  | { readonly problem: 'too-many-rows'; readonly rows: number };

export type ParsedVoterCsv =
  { readonly rows: readonly ImportRow[]; readonly rejected: readonly RejectedRow[] } | CsvFileProblem;

type ColumnIndexes = Readonly<Record<Column, number>>;

export function parseVoterCsv(text: string): ParsedVoterCsv {
  // Spreadsheets often save a byte-order mark first; it is not part of the first column's name.
  const parsed = Papa.parse<string[]>(text.replace(/^\uFEFF/, ''), { header: false, skipEmptyLines: false });
  const records = parsed.data;
  const badQuotes = new Set(
    parsed.errors.filter((error) => error.type === 'Quotes').map((error) => error.row),
  );
  const headerIndex = records.findIndex((record) => !isBlank(record));
  const header = records[headerIndex];
  if (header === undefined) return { problem: 'empty' };
  const columns = columnIndexes(header);
  if ('problem' in columns) return columns;

  const dataIndexes = records.flatMap((record, index) =>
    index > headerIndex && !isBlank(record) ? [index] : [],
  );
  if (dataIndexes.length === 0) return { problem: 'no-rows' };
  if (dataIndexes.length > csvImportLimits.rowsMax)
    return { problem: 'too-many-rows', rows: dataIndexes.length };

  const rows: ImportRow[] = [];
  const rejected: RejectedRow[] = [];
  const firstRowOfName = new Map<string, number>();
  for (const index of dataIndexes) {
    const record = records[index] ?? [];
    const rowNumber = index + 1;
    const name = (record[columns.name] ?? '').trim();
    const checked = badQuotes.has(index)
      ? { problem: 'bad-quotes' as const }
      : checkRow(record, header.length, columns);
    const firstRow = firstRowOfName.get(name);
    if ('problem' in checked) rejected.push({ rowNumber, name, problem: checked });
    else if (firstRow !== undefined)
      rejected.push({ rowNumber, name, problem: { problem: 'duplicate-name', firstRow } });
    else {
      firstRowOfName.set(name, rowNumber);
      rows.push({ rowNumber, ...checked });
    }
  }
  return { rows, rejected };
}

function columnIndexes(header: readonly string[]): ColumnIndexes | CsvFileProblem {
  const found = new Map<Column, number>();
  for (const [index, cell] of header.entries()) {
    const label = cell.trim();
    const column = csvColumns.find((candidate) => candidate.toLowerCase() === label.toLowerCase());
    if (column === undefined) return { problem: 'unknown-column', column: label };
    if (found.has(column)) return { problem: 'duplicate-column', column };
    found.set(column, index);
  }
  const missing = requiredColumns.filter((column) => !found.has(column));
  if (missing.length > 0) return { problem: 'missing-columns', columns: missing };
  return {
    name: found.get('name') ?? -1,
    group: found.get('group') ?? -1,
    publicKey: found.get('publicKey') ?? -1,
  };
}

function checkRow(
  record: readonly string[],
  expected: number,
  columns: ColumnIndexes,
): Omit<ImportRow, 'rowNumber'> | RowProblem {
  if (record.length !== expected) return { problem: 'field-count', found: record.length, expected };
  const name = (record[columns.name] ?? '').trim();
  const group = (record[columns.group] ?? '').trim();
  const label = nameProblem(name) ?? groupProblem(group);
  if (label !== null) return { problem: label };
  const key = parsePublicKeyText(record[columns.publicKey] ?? '');
  if ('publicKey' in key) return { name, group, publicKey: key.publicKey };
  if (key.problem === 'empty') return { name, group, publicKey: null };
  return { problem: 'public-key', key };
}

function isBlank(record: readonly string[]): boolean {
  return record.every((cell) => cell.trim() === '');
}
