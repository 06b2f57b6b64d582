/** Runs the simulator over a range of seeds for the CI budget tests. */
import {
  addFaultCounts,
  emptyFaultCounts,
  formatFaults,
  parseFaults,
  type FaultCounts,
} from '../../simulation/faults.ts';
import { runSimulation, type BrokenRule, type SimulationResult } from '../../simulation/simulation.ts';

export interface SeedRange {
  readonly from: number;
  readonly count: number;
  readonly steps: number;
  readonly faults: string;
  /** With a witness beside the stations (`--witness`). */
  readonly witness?: boolean;
  readonly broken?: BrokenRule;
  /** Stop at the first violation. */
  readonly stopAtViolation?: boolean;
}

export interface SeedsRun {
  readonly runs: number;
  readonly failures: readonly SimulationResult[];
  readonly acknowledgedWrites: number;
  /** The faults injected over all runs. */
  readonly faults: FaultCounts;
}

export async function runSeeds(range: SeedRange): Promise<SeedsRun> {
  const faults = parseFaults(range.faults);
  const failures: SimulationResult[] = [];
  const injected = emptyFaultCounts();
  let runs = 0;
  let acknowledgedWrites = 0;
  for (let seed = range.from; seed < range.from + range.count; seed += 1) {
    const result = await runSimulation({
      seed,
      steps: range.steps,
      faults,
      witness: range.witness ?? false,
      broken: range.broken ?? null,
    });
    runs += 1;
    acknowledgedWrites += result.acknowledgedWrites;
    addFaultCounts(injected, result.faults);
    if (result.violation !== null) {
      failures.push(result);
      if (range.stopAtViolation === true) break;
    }
  }
  return { runs, failures, acknowledgedWrites, faults: injected };
}

/** What to print for a failing seed: enough to replay it. */
export function describeFailure(result: SimulationResult, range: SeedRange): string {
  const violation = result.violation;
  if (violation === null) return `seed ${result.seed}: no violation`;
  return [
    `seed ${result.seed}, step ${violation.step}: ${violation.invariant}: ${violation.message}`,
    ...result.traceTail.cluster.slice(-15),
    `replay: npm run simulate -- --seed ${result.seed} --steps ${range.steps} --faults ${formatFaults(parseFaults(range.faults))}` +
      (range.witness === true ? ' --witness' : '') +
      (range.broken === undefined ? '' : ` --break ${range.broken}`),
  ].join('\n');
}
