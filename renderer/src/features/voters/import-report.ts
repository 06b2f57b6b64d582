/**
 * What an import hands back: the report of rows not registered (as message
 * keys, so it follows the language switch, and as CSV to save) and the new
 * credentials as one file.
 */
import Papa from 'papaparse';
import { credentialFileText, type Credential } from '../../credentials/credential.ts';
import type { MessageRef } from '../../i18n/index.ts';
import type { RegisterResult } from '../../stores/voters.ts';
import type { RowProblem } from './voter-csv.ts';
import { tooLongMessage } from './voter-labels.ts';
import { isWriteProblem } from './write-problems.ts';

export interface ReportRow extends MessageRef {
  readonly rowNumber: number;
  readonly name: string;
}

/** The message of a row the file itself got wrong (the station never saw it). */
export function rowProblemMessage(problem: RowProblem): MessageRef {
  switch (problem.problem) {
    case 'field-count':
      return { key: 'voters.row.field-count', params: { found: problem.found, expected: problem.expected } };
    case 'public-key':
      return problem.key.problem === 'wrong-length'
        ? { key: 'voters.row.key-wrong-length', params: { bytes: problem.key.bytes } }
        : { key: 'voters.row.key-not-text', params: {} };
    case 'duplicate-name':
      return { key: 'voters.row.duplicate-name', params: { row: problem.firstRow } };
    case 'name-too-long':
    case 'group-too-long':
      return tooLongMessage(problem.problem);
    default:
      return { key: `voters.row.${problem.problem}`, params: {} };
  }
}

/** Results after which every further row would fail the same way: the import stops instead. */
export function stopsImport(result: RegisterResult): boolean {
  return result === 'signed-out' || result === 'register-full' || isWriteProblem(result);
}

/** All new credentials as one JSON file: an array of credential files, each as `credentialFileText` writes it. */
export function credentialsBundleText(credentials: readonly Credential[]): string {
  return `[\n${credentials.map(credentialFileText).join(',\n')}\n]\n`;
}

export function reportCsvText(
  rows: readonly ReportRow[],
  headings: readonly [string, string, string],
  message: (row: ReportRow) => string,
): string {
  // A name such as `=HYPERLINK(…)` must stay text when a spreadsheet opens the report.
  return Papa.unparse(
    { fields: [...headings], data: rows.map((row) => [row.rowNumber, row.name, message(row)]) },
    { escapeFormulae: true },
  );
}
