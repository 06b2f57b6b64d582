/**
 * `npm run bench [-- --quick] [-- --only NAME]`: prints the station's
 * performance figures, each with its target and, where one exists, its
 * ratio to a baseline measured in the same run. Nothing is asserted.
 */
// First: it must wrap the fs sync calls before the store is loaded.
import { syncCountingActive } from './support/sync-counter.ts';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { catchUpSection } from './catchup.ts';
import { grpcLoginsSection } from './grpc-logins.ts';
import { grpcVotesSection } from './grpc-votes.ts';
import { inProcessVotesSection } from './in-process-votes.ts';
import { interfaceBudgetsSection } from './interface-budgets.ts';
import { registerSizeSection } from './register-size.ts';
import { replicatedSection } from './replicated.ts';
import { restartSection } from './restart.ts';
import { takeOverSection } from './takeover.ts';
import { installEmergencyCleanup, Scope } from './support/cleanup.ts';
import type { Section } from './support/section.ts';
import { formatMs, printNote, printSectionTitle } from './support/table.ts';
import { nowMs } from './support/timing.ts';

const sections: readonly Section[] = [
  inProcessVotesSection,
  registerSizeSection,
  grpcVotesSection,
  grpcLoginsSection,
  restartSection,
  takeOverSection,
  replicatedSection,
  catchUpSection,
  interfaceBudgetsSection,
];

const usage = `usage: npm run bench -- [--quick] [--only NAME]...
  --quick       small-scale run for developers (well under a minute)
  --only NAME   run only this section (repeatable): ${sections.map((section) => section.name).join(', ')}`;

function parseOptions(): { readonly quick: boolean; readonly selected: readonly Section[] } | null {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string', multiple: true },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return null;
  const only = values.only ?? [];
  const unknown = only.filter((name) => !sections.some((section) => section.name === name));
  if (unknown.length > 0) throw new Error(`unknown section ${unknown.join(', ')}`);
  const selected = only.length === 0 ? sections : sections.filter((section) => only.includes(section.name));
  return { quick: values.quick, selected };
}

async function main(): Promise<void> {
  let options;
  try {
    options = parseOptions();
  } catch (error) {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n${usage}\n`);
    process.exitCode = 2;
    return;
  }
  if (options === null) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  installEmergencyCleanup();
  const cpus = os.cpus();
  process.stdout.write(
    `evote bench (${options.quick ? 'quick, small scale' : 'full'}): Node ${process.version}, ` +
      `${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ` +
      `data in ${os.tmpdir()}; figures are printed, not asserted\n`,
  );
  printNote(
    'context (given, not measured): the original course server rewrites its whole state file on every call; ' +
      'on this machine it falls from ~410 to ~74 votes/s between 200 and 3,000 voters',
  );
  if (!syncCountingActive()) printNote('fdatasync counting is not available');

  let failed = 0;
  const start = nowMs();
  for (const section of options.selected) {
    printSectionTitle(section.title);
    const scope = new Scope();
    const sectionStart = nowMs();
    try {
      await section.run({ quick: options.quick }, scope);
    } catch (error) {
      failed += 1;
      printNote(`FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    } finally {
      await scope.close();
    }
    printNote(`(section took ${formatMs(nowMs() - sectionStart)})`);
  }
  process.stdout.write(
    `\nbench finished in ${formatMs(nowMs() - start)}${failed > 0 ? `, ${failed} section(s) FAILED` : ''}\n`,
  );
  if (failed > 0) process.exitCode = 1;
}

await main();
