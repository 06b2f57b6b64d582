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
 *   one way, for 0.1 to 5 s.
 * - skew: the stations' clocks are off by up to ±2 s and drift by up to
 *   ±200 ppm (set when the run starts).
 */
import type { EventLoop } from './event-loop.ts';
import type { ResetMode, SimNetwork } from './network.ts';
import type { Random } from './random.ts';
import type { StationNode } from './station-node.ts';
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

export type FaultCounts = Record<FaultKind, number>;

export function emptyFaultCounts(): FaultCounts {
  return Object.fromEntries(faultKinds.map((kind) => [kind, 0])) as FaultCounts;
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
  readonly stations: readonly StationNode[];
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
    for (const node of this.options.stations) node.start();
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
    chosen: StationNode | null = null,
  ): void {
    const { random, stations, faults, loop, counts } = this.options;
    const up = stations.filter((node) => node.state === 'up');
    const restarts = faults.has('restart');
    // Without restarts, one station at most is down: the other goes on serving.
    if (up.length === 0 || (!restarts && up.length < stations.length)) return;
    const node = chosen ?? random.pick(up);
    node.crash(machine, torn);
    counts[kind] += 1;
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
   * A power loss that tears a write: on a station whose disk holds written
   * data not yet flushed (the moment a crash tears a write), waiting for one
   * for up to half a second.
   */
  private tornCrash(): void {
    const { random, stations, loop } = this.options;
    const up = stations.filter((node) => node.state === 'up');
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
    const { random, stations, loop, counts } = this.options;
    const up = stations.filter((node) => node.state === 'up');
    if (up.length === 0) return;
    const node = random.pick(up);
    counts.restart += 1;
    void node.stop().then(() => {
      // Started again even if the faults stopped meanwhile (stop() found it still stopping).
      loop.after(random.between(10, 1_000), () => {
        node.start();
      });
    });
  }

  private reset(mode: ResetMode): void {
    const { network, random, counts } = this.options;
    const open = network.openConnections();
    if (open.length === 0) return;
    network.reset(random.pick(open), mode);
    counts[mode] += 1;
  }

  private partition(kind: 'partition' | 'one-way'): void {
    const { network, random, stations, loop, counts, trace } = this.options;
    const [first, second] = random.chance(0.5) ? stations : [...stations].reverse();
    if (first === undefined || second === undefined) return;
    const durationMs = random.chance(0.5) ? random.between(100, 1_500) : random.between(1_500, 5_000);
    const heal = network.cut(first.name, second.name, kind === 'partition');
    this.heals.add(heal);
    counts[kind] += 1;
    trace.add(
      `${kind} ${first.name}${kind === 'partition' ? '<->' : '->'}${second.name} for ${Math.round(durationMs)}ms`,
    );
    loop.after(durationMs, () => {
      if (!this.heals.delete(heal)) return;
      heal();
      trace.add(`${kind} ${first.name}/${second.name} healed`);
    });
  }
}
