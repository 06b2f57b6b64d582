/**
 * `npm run simulate -- --seeds N [--seed S] [--steps M] [--faults LIST]`: runs
 * the deterministic simulator (simulation.ts) over seeds and reports the first
 * violation with its seed, step, invariant and trace tail; `--seed S` replays
 * one seed exactly (add --verbose for its whole trace). Exits 1 on a
 * violation, 2 on a bad command line.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  addFaultCounts,
  describeFaultCounts,
  emptyFaultCounts,
  faultKinds,
  formatFaults,
  parseFaults,
  type FaultKind,
} from './faults.ts';
import {
  brokenRules,
  defaultFailoverMs,
  runSimulation,
  type BrokenRule,
  type SimulationResult,
} from './simulation.ts';

interface Flags {
  readonly seeds: number;
  readonly seed?: number;
  readonly from: number;
  readonly steps: number;
  readonly faults: ReadonlySet<FaultKind>;
  readonly witness: boolean;
  readonly failoverMs: number;
  readonly break?: BrokenRule;
  readonly keepGoing: boolean;
  readonly verbose: boolean;
}

export const defaultSteps = 4_000;

const program = new Command('simulate')
  .description('run the stations and their replication on a simulated network, disk and clock, seed by seed')
  .addOption(new Option('--seeds <n>', 'how many seeds to run').argParser(positiveInteger).default(100))
  .addOption(new Option('--seed <s>', 'run (replay) this one seed').argParser(nonNegativeInteger))
  .addOption(new Option('--from <s>', 'first seed of --seeds').argParser(nonNegativeInteger).default(1))
  .addOption(
    new Option('--steps <m>', 'steps (events) of the fault phase of each run')
      .argParser(positiveInteger)
      .default(defaultSteps),
  )
  .addOption(
    new Option('--faults <list>', `faults to inject: all, none, or some of ${faultKinds.join(',')}`)
      .argParser(faultsArgument)
      .default(new Set(faultKinds), 'all'),
  )
  .addOption(
    new Option('--failover-ms <n>', "the stations' --failover-ms")
      .argParser(positiveInteger)
      .default(defaultFailoverMs),
  )
  .addOption(
    new Option('--break <rule>', 'break a rule on purpose, to show that the simulator catches it').choices(
      brokenRules,
    ),
  )
  .option('--witness', 'run a witness beside the two stations (they run with --witness)', false)
  .exitOverride((error) => {
    // --help ends with 0; a bad command line with 2, apart from the 1 of a violation.
    process.exit(error.exitCode === 0 ? 0 : 2);
  })
  .option('--keep-going', 'run every seed even after a violation, and count the failing ones', false)
  .option('--verbose', 'print the whole trace of each run', false)
  .action(async (flags: Flags) => {
    process.exitCode = await simulate(flags);
  });

await program.parseAsync();

async function simulate(flags: Flags): Promise<number> {
  const seeds =
    flags.seed === undefined
      ? Array.from({ length: flags.seeds }, (_, index) => flags.from + index)
      : [flags.seed];
  const profile = formatFaults(flags.faults);
  console.log(
    `simulating ${seeds.length} seed${seeds.length === 1 ? '' : 's'} (${seeds[0] ?? 0}…${seeds.at(-1) ?? 0}), ` +
      `faults ${profile}${flags.witness ? ', with a witness' : ''}, ${flags.steps} steps each` +
      (flags.break === undefined ? '' : `, broken rule: ${flags.break}`),
  );
  const totals = emptyFaultCounts();
  const logCounts = new Map<string, number>();
  const failures: SimulationResult[] = [];
  let steps = 0;
  let writes = 0;
  const startedMs = performance.now();
  for (const seed of seeds) {
    const result = await runSimulation({
      seed,
      steps: flags.steps,
      faults: flags.faults,
      witness: flags.witness,
      failoverMs: flags.failoverMs,
      broken: flags.break ?? null,
      echo: flags.verbose
        ? (line) => {
            console.log(`  ${line}`);
          }
        : null,
    });
    steps += result.steps;
    writes += result.acknowledgedWrites;
    addFaultCounts(totals, result.faults);
    for (const [event, count] of result.logCounts) logCounts.set(event, (logCounts.get(event) ?? 0) + count);
    if (seeds.length === 1) console.log(`seed ${seed}: trace ${result.traceHash}`);
    if (result.violation !== null) {
      failures.push(result);
      report(result, flags);
      if (!flags.keepGoing) break;
    }
  }
  const elapsedS = (performance.now() - startedMs) / 1000;
  const ran =
    failures.length > 0 && !flags.keepGoing ? seeds.indexOf(failures[0]?.seed ?? 0) + 1 : seeds.length;
  console.log(
    `${ran} seed${ran === 1 ? '' : 's'} in ${elapsedS.toFixed(1)} s (${(ran / elapsedS).toFixed(1)} seeds/s), ` +
      `${steps} steps (${Math.round(steps / elapsedS)}/s), ${writes} acknowledged writes, ` +
      `${failures.length} with a violation${failures.length > 0 ? ` (first: seed ${failures[0]?.seed ?? 0})` : ''}`,
  );
  console.log(`faults injected: ${describeFaultCounts(totals)}`);
  const logged = (key: string): number => logCounts.get(key) ?? 0;
  console.log(
    `what the stations did: ${logged('info replication-promoted')} promotions, ` +
      `${logged('info replication-handover-complete')} hand-overs, ${logged('warn replication-full-copy')} full copies, ` +
      `${logged('info replication-merged')} merges after a split, ${logged('warn replication-fenced')} fenced, ` +
      `${logged('warn store-torn-tail-truncated')} torn log tails cut off` +
      (flags.witness ? `, ${logged('info witness-vote-granted')} votes of the witness` : ''),
  );
  const errors = [...logCounts].filter(([key]) => key.startsWith('error '));
  if (errors.length > 0) {
    console.log(
      `errors the stations logged: ${errors.map(([key, count]) => `${key.slice('error '.length)} ${count}`).join(', ')}`,
    );
  }
  if (flags.keepGoing && failures.length > 0) {
    console.log(`failing seeds: ${failures.map((failure) => failure.seed).join(' ')}`);
  }
  return failures.length > 0 ? 1 : 0;
}

function report(result: SimulationResult, flags: Flags): void {
  const violation = result.violation;
  if (violation === null) return;
  const replay = [
    'npm run simulate --',
    `--seed ${result.seed}`,
    `--steps ${flags.steps}`,
    `--faults ${formatFaults(flags.faults)}`,
    ...(flags.witness ? ['--witness'] : []),
    ...(flags.failoverMs === defaultFailoverMs ? [] : [`--failover-ms ${flags.failoverMs}`]),
    ...(flags.break === undefined ? [] : [`--break ${flags.break}`]),
  ].join(' ');
  console.log(
    [
      `VIOLATION seed ${result.seed}, step ${violation.step} (${(violation.atMs / 1000).toFixed(3)} s virtual): ` +
        violation.invariant,
      `  ${violation.message}`,
      '  last events of the stations and the network (step, virtual time, event):',
      ...result.traceTail.cluster.map((line) => `    ${line}`),
      '  last answers the clients saw:',
      ...result.traceTail.client.map((line) => `    ${line}`),
      `  replay: ${replay}`,
    ].join('\n'),
  );
}

function positiveInteger(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1)
    throw new InvalidArgumentError('expected a positive integer');
  return value;
}

function nonNegativeInteger(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0)
    throw new InvalidArgumentError('expected a non-negative integer');
  return value;
}

function faultsArgument(text: string): ReadonlySet<FaultKind> {
  try {
    return parseFaults(text);
  } catch (error) {
    throw new InvalidArgumentError(error instanceof Error ? error.message : String(error));
  }
}
