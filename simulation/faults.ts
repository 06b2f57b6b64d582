/**
 * Fault profiles and the injector that applies them during the fault phase
 * of a run, every choice drawn from the seed:
 *
 * - crash: a station's process dies (SIGKILL: the disk keeps what was
 *   written) or its machine loses power (unflushed writes are lost).
 * - restart: crashed stations come back after a while, and running ones are
 *   stopped cleanly and started again. Without it, a crashed station stays
 *   down until the faults stop (and only one is down at a time).
 * - torn: a power loss that keeps a seeded prefix of the unflushed writes,
 *   the last one possibly cut short (a torn write).
 * - loss, reorder, duplicate: connection resets (see network.ts).
 * - delay: latency spikes on some messages (up to 0.5 s).
 * - partition, one-way: the link between the stations is cut both ways or
 *   one way, for 0.1 to 5 s. With a witness, the cut is one of the three
 *   links, or all of one member's links (it is isolated), both ways or one
 *   way.
 * - skew: the clocks of the stations (and the witness) are off by up to ±2 s
 *   and drift by up to ±200 ppm (set when the run starts).
 *
 * With a witness, it is a member like the stations: it crashes, loses power
 * (torn writes included) and restarts as they do.
 */
import type { EventLoop } from './event-loop.ts';
import type { ResetMode, SimNetwork } from './network.ts';
import type { Random } from './random.ts';
import type { SimMember } from './member.ts';
import type { Trace } from './trace.ts';

export const faultKinds = [
  'crash',
  'restart',
  'loss',
  'delay',
  'reorder',
  'duplicate',
  'partition',
  'one-way',
  'torn',
  'skew',
] as const;

export type FaultKind = (typeof faultKinds)[number];

/**
 * Counted besides the faults of each kind: crashes that were power losses,
 * writes a torn power loss cut short, messages in flight lost with a reset
 * connection, and faults (of any kind) that struck the witness or its links.
 */
export const faultDetails = ['power-loss', 'torn-write', 'lost-message', 'on-witness'] as const;

export type FaultDetail = (typeof faultDetails)[number];

export type FaultCounts = Record<FaultKind | FaultDetail, number>;

export function emptyFaultCounts(): FaultCounts {
  return Object.fromEntries([...faultKinds, ...faultDetails].map((kind) => [kind, 0])) as FaultCounts;
}

/** Adds `counts` into `totals`. */
export function addFaultCounts(totals: FaultCounts, counts: FaultCounts): void {
  for (const kind of [...faultKinds, ...faultDetails]) totals[kind] += counts[kind];
}

/** One line: each kind with its count, and the details in brackets after their kind. */
export function describeFaultCounts(counts: FaultCounts): string {
  const detail = (kind: FaultKind): string => {
    switch (kind) {
      case 'crash':
        return ` (${counts['power-loss']} power losses)`;
      case 'torn':
        return ` (${counts['torn-write']} writes cut short)`;
      case 'loss':
        return ` (${counts['lost-message']} messages lost)`;
      default:
        return '';
    }
  };
  const line = faultKinds.map((kind) => `${kind} ${counts[kind]}${detail(kind)}`).join(', ');
  return counts['on-witness'] > 0 ? `${line}; ${counts['on-witness']} of them on the witness` : line;
}

function isFaultKind(text: string): text is FaultKind {
  return (faultKinds as readonly string[]).includes(text);
}

/** Parses `crash,restart,...` ('all' for every kind, 'none' for none); throws on an unknown kind. */
export function parseFaults(text: string): ReadonlySet<FaultKind> {
  const trimmed = text.trim();
  if (trimmed === 'all') return new Set(faultKinds);
  if (trimmed === 'none' || trimmed === '') return new Set();
  const kinds = trimmed.split(',').map((kind) => kind.trim());
  const unknown = kinds.filter((kind) => !isFaultKind(kind));
  if (unknown.length > 0) {
    throw new Error(`unknown fault kind ${unknown.join(', ')}; the kinds are ${faultKinds.join(', ')}`);
  }
  return new Set(kinds.filter(isFaultKind));
}

export function formatFaults(faults: ReadonlySet<FaultKind>): string {
  const kinds = faultKinds.filter((kind) => faults.has(kind));
  return kinds.length === 0 ? 'none' : kinds.join(',');
}

/** Kinds the injector applies as discrete events (delay and skew act all the time). */
const eventKinds = [
  'crash',
  'torn',
  'restart',
  'loss',
  'reorder',
  'duplicate',
  'partition',
  'one-way',
] as const;
type EventKind = (typeof eventKinds)[number];

const weights: Readonly<Record<EventKind, number>> = {
  crash: 2,
  torn: 2,
  restart: 1,
  loss: 3,
  reorder: 2,
  duplicate: 2,
  partition: 2,
  'one-way': 2,
};

export interface FaultInjectorOptions {
  readonly loop: EventLoop;
  readonly random: Random;
  readonly network: SimNetwork;
  /** The stations, then the witness if there is one. */
  readonly members: readonly SimMember[];
  readonly witness: SimMember | null;
  /** The station taking writes now, if one is: with a witness, half the partitions aim at it. */
  readonly serving: () => SimMember | null;
  readonly faults: ReadonlySet<FaultKind>;
  readonly counts: FaultCounts;
  readonly trace: Trace;
}

export class FaultInjector {
  private running = false;
  private readonly heals = new Set<() => void>();

  constructor(private readonly options: FaultInjectorOptions) {}

  start(): void {
    this.running = true;
    this.scheduleNext();
  }

  /** No more faults: links heal, stations that are down start again. */
  stop(): void {
    this.running = false;
    for (const heal of this.heals) heal();
    this.heals.clear();
    this.options.network.healAll();
    for (const node of this.options.members) node.start();
    this.options.trace.add('faults stop');
  }

  private scheduleNext(): void {
    const { loop, random } = this.options;
    loop.after(random.between(200, 2_000), () => {
      if (!this.running) return;
      this.inject();
      this.scheduleNext();
    });
  }

  private inject(): void {
    const { random, faults } = this.options;
    const enabled = eventKinds.filter((kind) => faults.has(kind));
    if (enabled.length === 0) return;
    const kind = random.weighted(enabled.map((candidate) => [candidate, weights[candidate]] as const));
    switch (kind) {
      case 'crash':
        this.crash(random.chance(0.5), false, kind);
        return;
      case 'torn':
        this.tornCrash();
        return;
      case 'restart':
        this.restart();
        return;
      case 'loss':
      case 'reorder':
      case 'duplicate':
        this.reset(kind);
        return;
      case 'partition':
      case 'one-way':
        this.partition(kind);
        return;
    }
  }

  private crash(
    machine: boolean,
    torn: boolean,
    kind: 'crash' | 'torn',
    chosen: SimMember | null = null,
  ): void {
    const { random, members, faults, loop, counts } = this.options;
    const up = members.filter((node) => node.state === 'up');
    const restarts = faults.has('restart');
    // Without restarts, one member at most is down: the others go on serving.
    if (up.length === 0 || (!restarts && up.length < members.length)) return;
    const node = chosen ?? random.pick(up);
    const effect = node.crash(machine, torn);
    counts[kind] += 1;
    if (machine && kind === 'crash') counts['power-loss'] += 1;
    counts['torn-write'] += effect.tornWrites;
    this.noteOnWitness(node);
    if (!restarts) return;
    // Half come back before the peer would take over, half after.
    const downMs = random.chance(0.5) ? random.between(50, 1_000) : random.between(1_500, 5_000);
    loop.after(downMs, () => {
      if (!this.running || node.state !== 'down') return;
      counts.restart += 1;
      node.start();
    });
  }

  /**
   * A power loss that tears a write: on a member whose disk holds written
   * data not yet flushed (the moment a crash tears a write), waiting for one
   * for up to half a second.
   */
  private tornCrash(): void {
    const { random, members, loop } = this.options;
    const up = members.filter((node) => node.state === 'up');
    if (up.length === 0) return;
    const node = random.pick(up);
    let done = false;
    const crashNow = (): void => {
      if (done || !this.running || node.state !== 'up') return;
      done = true;
      this.crash(true, true, 'torn', node);
    };
    node.disk.whenUnflushed(crashNow);
    loop.after(500, crashNow);
  }

  private restart(): void {
    const { random, members, loop, counts } = this.options;
    const up = members.filter((node) => node.state === 'up');
    if (up.length === 0) return;
    const node = random.pick(up);
    counts.restart += 1;
    this.noteOnWitness(node);
    void node.stop().then(() => {
      // Started again even if the faults stopped meanwhile (stop() found it still stopping).
      loop.after(random.between(10, 1_000), () => {
        node.start();
      });
    });
  }

  private reset(mode: ResetMode): void {
    const { network, random, counts, witness } = this.options;
    const open = network.openConnections();
    if (open.length === 0) return;
    const connection = random.pick(open);
    counts['lost-message'] += network.reset(connection, mode);
    counts[mode] += 1;
    if (connection.ends.some((end) => end.machine === witness?.name)) counts['on-witness'] += 1;
  }

  /**
   * Cuts links for a while. Two members: the link between them. With a
   * witness: one member's link to one other, or to both (it is isolated),
   * the member being half the time the station taking writes (cutting it off
   * is what makes the others take over); one way, from that member or
   * towards it. Each link cut heals after its own time.
   */
  private partition(kind: 'partition' | 'one-way'): void {
    const { network, random, members, loop, counts, trace, witness } = this.options;
    let from: readonly SimMember[];
    let to: readonly SimMember[];
    if (members.length <= 2) {
      const [first, second] = random.chance(0.5) ? members : [...members].reverse();
      if (first === undefined || second === undefined) return;
      [from, to] = [[first], [second]];
    } else {
      const chosen = (random.chance(0.5) ? this.options.serving() : null) ?? random.pick(members);
      const others = members.filter((node) => node !== chosen);
      const peers = random.chance(0.5) ? others : [random.pick(others)];
      [from, to] = kind === 'one-way' && random.chance(0.5) ? [peers, [chosen]] : [[chosen], peers];
    }
    const bothWays = kind === 'partition';
    counts[kind] += 1;
    if (witness !== null && [...from, ...to].includes(witness)) counts['on-witness'] += 1;
    for (const source of from) {
      for (const target of to) {
        // Each link heals on its own: an isolated member may reach one peer again before the other.
        const durationMs = random.chance(0.5) ? random.between(100, 1_500) : random.between(1_500, 5_000);
        const heal = network.cut(source.name, target.name, bothWays);
        this.heals.add(heal);
        trace.add(
          `${kind} ${source.name}${bothWays ? '<->' : '->'}${target.name} for ${Math.round(durationMs)}ms`,
        );
        loop.after(durationMs, () => {
          if (!this.heals.delete(heal)) return;
          heal();
          trace.add(`${kind} ${source.name}/${target.name} healed`);
        });
      }
    }
  }

  /** Counts a fault that struck the witness. */
  private noteOnWitness(node: SimMember): void {
    if (node === this.options.witness) this.options.counts['on-witness'] += 1;
  }
}
