/**
 * One run of the deterministic simulator: two real stations (the officials'
 * primary `a` and backup `b`) with real replication, on simulated disks,
 * clocks and network, under client load and the faults of a profile, every
 * random choice drawn from the seed. The invariants (invariants.ts) are
 * checked after every step; after `steps` steps the faults stop, links heal,
 * stations that are down start again, and the stations must converge.
 *
 * With `witness`, a third machine `w` runs the real witness rules
 * (witness-node.ts), the stations run with `--witness` (their leases timed on
 * their own clocks), the witness takes its share of crashes, restarts, torn
 * writes, partitions and skew, and two stations accepting writes at the same
 * moment is a violation too (`one-writer-at-a-time`).
 *
 * A run is a pure function of its options: the same seed gives the same
 * trace hash, so a failing seed replays exactly.
 */
import { EventLoop, NodeClock } from './event-loop.ts';
import { SimDisk } from './disk.ts';
import { emptyFaultCounts, FaultInjector, type FaultCounts, type FaultKind } from './faults.ts';
import type { SimMember } from './member.ts';
import { canonicalState, InvariantChecker, type Violation } from './invariants.ts';
import { SimNetwork } from './network.ts';
import { Random } from './random.ts';
import { dataDir, StationNode } from './station-node.ts';
import { Trace } from './trace.ts';
import { WitnessNode, witnessDir } from './witness-node.ts';
import { Workload } from './workload.ts';
import { decodeReplicationMessage, encodeReplicationMessage } from '../core/replication/messages.ts';

/**
 * Rules broken on purpose, to show that the simulator catches them; they live
 * in the simulated world only, never in the station's code:
 *
 * - lying-disk: a flush answers before the data is durable (it becomes so up
 *   to 60 ms later), so a station acknowledges writes a power loss can take.
 * - stale-epoch: a station takes every replication message from an older
 *   epoch as if it came from its own (the message is relabelled on its way
 *   in), as if it did not check epochs: no refusal of an older epoch, an
 *   older primary's welcome adopted, an acknowledgement from before the new
 *   epoch taken as its confirmation. Hellos are left alone: they are not
 *   refused for their epoch, they decide the leader.
 * - witness-stale-epoch (with --witness): the witness skips its epoch check
 *   on lease requests, renewing the lease of a primary of an older epoch as
 *   if it held the newest, so a primary cut off and replaced takes writes
 *   again once it reaches the witness.
 */
export type BrokenRule = 'lying-disk' | 'stale-epoch' | 'witness-stale-epoch';

export const brokenRules: readonly BrokenRule[] = ['lying-disk', 'stale-epoch', 'witness-stale-epoch'];

export interface SimulationOptions {
  readonly seed: number;
  /** Steps (events) of the fault phase. */
  readonly steps: number;
  readonly faults: ReadonlySet<FaultKind>;
  /** Runs a witness beside the two stations (`--witness`). */
  readonly witness?: boolean;
  readonly failoverMs?: number;
  readonly clients?: number;
  /** Virtual time the stations get to converge once the faults stop. */
  readonly convergeWithinMs?: number;
  readonly broken?: BrokenRule | null;
  /** Receives every trace line (--verbose). */
  readonly echo?: ((line: string) => void) | null;
}

export interface SimulationResult {
  readonly seed: number;
  readonly violation: (Violation & { readonly step: number; readonly atMs: number }) | null;
  readonly traceHash: string;
  /** The last lines of the trace about the stations and the network, then those of the clients. */
  readonly traceTail: { readonly cluster: readonly string[]; readonly client: readonly string[] };
  readonly steps: number;
  readonly virtualMs: number;
  readonly faults: FaultCounts;
  readonly acknowledgedWrites: number;
  /** What the stations logged, by level and event name (`error replication-channel-error`). */
  readonly logCounts: ReadonlyMap<string, number>;
}

export const defaultFailoverMs = 1_500;
const startMs = 1_800_000_000_000;
const convergenceStepsMax = 200_000;
const stationNames = ['a', 'b'] as const;

export async function runSimulation(options: SimulationOptions): Promise<SimulationResult> {
  const random = new Random(options.seed);
  const streams = {
    network: random.fork(),
    faults: random.fork(),
    clients: random.fork(),
    setup: random.fork(),
  };
  const loop = new EventLoop(startMs);
  const trace = new Trace(loop, { cluster: 40, client: 10 }, options.echo ?? null);
  const faults = emptyFaultCounts();
  const logCounts = new Map<string, number>();
  const failoverMs = options.failoverMs ?? defaultFailoverMs;
  // Set from callbacks too; read through a function so that narrowing does not assume it stays null.
  let firstViolation: Violation | null = null;
  const violation = (): Violation | null => firstViolation;
  const fail = (found: Violation): void => {
    firstViolation ??= found;
  };

  const nodes: StationNode[] = [];
  const network = new SimNetwork({
    loop,
    random: streams.network,
    delay: options.faults.has('delay'),
    onFault: (kind) => {
      faults[kind] += 1;
    },
    trace: (line) => {
      trace.add(line);
    },
    ...(options.broken === 'stale-epoch'
      ? {
          rewrite: (receiver: string, bytes: Uint8Array) =>
            presentAsCurrentEpoch(nodes, receiver, bytes, (line) => {
              trace.add(line);
            }),
        }
      : {}),
  });

  /** A machine of the cluster: its disk (with `directory` prepared), clock and address on the network. */
  const machine = (name: string, directory: string) => {
    const disk = new SimDisk({
      loop,
      random: random.fork(),
      lyingFlush: options.broken === 'lying-disk',
    });
    disk.prepareDirectory(directory);
    const skewed = options.faults.has('skew');
    const clock = new NodeClock(
      loop,
      skewed ? streams.setup.between(-2_000, 2_000) : 0,
      skewed ? streams.setup.between(-200, 200) : 0,
    );
    if (skewed) faults.skew += 1;
    network.addMachine(name, `sync:${name}`);
    return { name, loop, network, disk, clock, trace, logCounts };
  };
  const startFailed = (
    name: string,
    invariant: 'station-starts' | 'witness-starts',
    error: unknown,
  ): void => {
    fail({
      invariant,
      message: `${name} could not start on what its disk kept: ${error instanceof Error ? error.message : String(error)}`,
    });
  };
  const witnessName = 'w';

  for (const [index, name] of stationNames.entries()) {
    nodes.push(
      new StationNode({
        ...machine(name, dataDir),
        preferredRole: index === 0 ? 'primary' : 'backup',
        address: `sync:${name}`,
        peerAddress: `sync:${stationNames[1 - index] ?? 'a'}`,
        witnessAddress: options.witness === true ? `sync:${witnessName}` : null,
        random: random.fork(),
        failoverMs,
        // Small, so that snapshots, compaction and snapshot catch-up happen in every run.
        snapshotAfterBytes: streams.setup.int(4, 64) * 1024,
        onStartFailed: (node, error) => {
          startFailed(node.name, 'station-starts', error);
        },
      }),
    );
  }
  const witness =
    options.witness === true
      ? new WitnessNode({
          ...machine(witnessName, witnessDir),
          onStartFailed: (error) => {
            startFailed(witnessName, 'witness-starts', error);
          },
          grantsStaleLeases: options.broken === 'witness-stale-epoch',
        })
      : null;
  const members: SimMember[] = witness === null ? [...nodes] : [...nodes, witness];

  const workload = new Workload({
    loop,
    random: streams.clients,
    stations: nodes,
    clients: options.clients ?? 3,
    trace,
    onContractBroken: (message) => {
      fail({ invariant: 'api-contract', message });
    },
  });
  const checker = new InvariantChecker(nodes, workload.acknowledged, { witness: witness !== null });
  const injector = new FaultInjector({
    loop,
    random: streams.faults,
    network,
    members,
    witness,
    serving: () => nodes.find((node) => node.writable) ?? null,
    faults: options.faults,
    counts: faults,
    trace,
  });

  for (const node of members) {
    loop.after(streams.setup.between(0, 500), () => {
      node.start();
    });
  }
  workload.start();
  injector.start();

  const stepOnce = async (): Promise<boolean> => {
    const ran = await loop.step();
    if (violation() === null) {
      const found = checker.check();
      if (found !== null) fail(found);
    }
    return ran;
  };

  while (violation() === null && loop.steps < options.steps) {
    if (!(await stepOnce())) break;
  }

  if (violation() === null) {
    injector.stop();
    workload.stop();
    const deadlineMs = loop.nowMs + (options.convergeWithinMs ?? 60_000);
    // Time that stops advancing (work rescheduling itself at once, forever) must end the run too.
    const lastStep = loop.steps + convergenceStepsMax;
    let converged: StationNode | null = null;
    while (violation() === null && loop.nowMs < deadlineMs && loop.steps < lastStep) {
      if (!(await stepOnce())) break;
      converged = convergedOn(nodes, workload.inFlight);
      if (converged !== null) break;
    }
    if (violation() === null) {
      if (converged === null) {
        const states = nodes.flatMap((node) => (node.station === null ? [] : [node.station.engineState]));
        fail(
          checker.checkHeldSomewhere(states) ?? {
            invariant: 'convergence',
            message: `no convergence within the time allowed: ${describeNodes(nodes, witness)}`,
          },
        );
      } else {
        trace.add(`converged on ${converged.name} at lastSeq ${converged.station?.lastSeq ?? 0}`);
        for (const node of nodes) {
          const state = node.station?.engineState;
          if (state === undefined) continue;
          const found = checker.checkFinal(node.name, state);
          if (found !== null) {
            fail(found);
            break;
          }
        }
      }
    }
  }

  const found = violation();
  if (found !== null) trace.add(`violation ${found.invariant}: ${found.message}`);
  return {
    seed: options.seed,
    violation: found === null ? null : { ...found, step: loop.steps, atMs: loop.nowMs - startMs },
    traceHash: trace.digest(),
    traceTail: { cluster: trace.recent('cluster'), client: trace.recent('client') },
    steps: loop.steps,
    virtualMs: loop.nowMs - startMs,
    faults,
    acknowledgedWrites: workload.acknowledged.length,
    logCounts,
  };
}

/**
 * The station serving with the other caught up and in the same state, once
 * no client call is pending; null if the stations have not converged.
 */
function convergedOn(nodes: readonly StationNode[], callsInFlight: number): StationNode | null {
  if (callsInFlight > 0) return null;
  const statuses = nodes.map((node) => node.status());
  if (statuses.some((status) => status === null)) return null;
  const serving = nodes.filter((node) => node.writable);
  const primary = serving[0];
  if (serving.length !== 1 || primary === undefined) return null;
  for (const [index, node] of nodes.entries()) {
    const status = statuses[index];
    if (status === null || status === undefined || !status.peer.connected || !status.peer.inSync) return null;
    if (node.station?.lastSeq !== primary.station?.lastSeq) return null;
  }
  const states = nodes.map((node) => (node.station === null ? '' : canonicalState(node.station.engineState)));
  return states.every((state) => state === states[0]) ? primary : null;
}

function describeNodes(nodes: readonly StationNode[], witness: WitnessNode | null): string {
  const held = witness?.witnessState;
  const witnessText =
    witness === null
      ? ''
      : `; witness ${witness.state}${held === null || held === undefined ? '' : ` epoch ${held.epoch}`}`;
  const stations = nodes
    .map((node) => {
      const status = node.status();
      if (status === null) return `${node.name} ${node.state}`;
      return (
        `${node.name} ${status.role} epoch ${status.epoch} writable=${status.writable} ` +
        `connected=${status.peer.connected} inSync=${status.peer.inSync} lastSeq=${node.station?.lastSeq ?? 0}` +
        (status.witness.configured ? ` witness=${status.witness.connected}` : '')
      );
    })
    .join('; ');
  return stations + witnessText;
}

/** The stale-epoch broken rule: a message (not a hello) from an older epoch is relabelled with the receiver's epoch. */
function presentAsCurrentEpoch(
  nodes: readonly StationNode[],
  receiver: string,
  bytes: Uint8Array,
  note: (line: string) => void,
): Uint8Array {
  const epoch = nodes.find((node) => node.name === receiver)?.status()?.epoch;
  if (epoch === undefined) return bytes;
  let message;
  try {
    message = decodeReplicationMessage(bytes);
  } catch {
    return bytes;
  }
  if (message.epoch >= epoch || message.type === 'hello') return bytes;
  note(`stale-epoch: ${message.type} of epoch ${message.epoch} shown to ${receiver} as epoch ${epoch}`);
  return encodeReplicationMessage({ ...message, epoch });
}
