/**
 * What every member of a simulated cluster (a station, the witness) shares:
 * one machine with its own disk, clock and network address, and a process on
 * it that starts, crashes (the process alone, or the whole machine with its
 * power), stops cleanly and starts again on what its disk kept. Each start is
 * a new incarnation: whatever belongs to an older one is dead.
 */
import type { Logger, LogLevel } from '../core/logging/logger.ts';
import type { CrashEffect, SimDisk } from './disk.ts';
import { ProcessTimers, type EventLoop, type NodeClock } from './event-loop.ts';
import type { Listener, SimNetwork } from './network.ts';
import type { Trace } from './trace.ts';

export interface MachineOptions {
  readonly name: string;
  readonly loop: EventLoop;
  readonly network: SimNetwork;
  readonly disk: SimDisk;
  readonly clock: NodeClock;
  readonly trace: Trace;
  /** What the members logged, by level and event name (`error replication-channel-error`). */
  readonly logCounts: Map<string, number>;
}

export type NodeState = 'down' | 'starting' | 'up' | 'stopping';

export abstract class SimMember {
  readonly name: string;
  state: NodeState = 'down';
  /** Changes whenever a process starts or ends: what belongs to an older one is dead. */
  incarnation = 0;
  /** Counts process starts. */
  private starts = 0;
  private timers: ProcessTimers | null = null;

  constructor(protected readonly machine: MachineOptions) {
    this.name = machine.name;
  }

  get disk(): SimDisk {
    return this.machine.disk;
  }

  /** Starts the process if it is down (on what the disk kept). */
  abstract start(): void;

  /** Lets go of the objects of the process that just ended. */
  protected abstract forget(): void;

  /** A clean stop of the running process (as on SIGTERM), before it exits. */
  protected abstract shutDown(): Promise<void>;

  /**
   * Begins a start: a new incarnation with fresh timers on the machine's
   * clock; null if the process is not down.
   */
  protected beginStart(): { readonly incarnation: number; readonly timers: ProcessTimers } | null {
    if (this.state !== 'down') return null;
    this.incarnation += 1;
    this.starts += 1;
    this.state = 'starting';
    const timers = new ProcessTimers(this.machine.loop, this.machine.clock.rate);
    this.timers = timers;
    this.machine.trace.add(`${this.name} start #${this.starts}`);
    return { incarnation: this.incarnation, timers };
  }

  /** The process listens on the machine's address. */
  protected listen(listener: Listener): void {
    this.machine.network.processUp(this.name, listener);
  }

  /** The process dies (`machine`: and the power goes, taking what the disk had not flushed). */
  crash(machine: boolean, torn: boolean): CrashEffect {
    const effect = this.end(machine ? 'machine' : 'process', machine, torn);
    this.machine.trace.add(
      `${this.name} crash (${machine ? 'machine' : 'process'}${torn ? ', torn' : ''}) dropped=${effect.droppedChanges} torn=${effect.tornWrites}`,
    );
    return effect;
  }

  /** Stops cleanly, as on SIGTERM; resolves once the process has exited. */
  stop(): Promise<void> {
    if (this.state !== 'up') return Promise.resolve();
    const incarnation = this.incarnation;
    this.state = 'stopping';
    this.machine.trace.add(`${this.name} stopping`);
    const stopping = async (): Promise<void> => {
      await this.shutDown();
      if (incarnation !== this.incarnation) return;
      this.end('stopped', false, false);
      this.machine.trace.add(`${this.name} stopped`);
    };
    return stopping();
  }

  private end(kind: 'process' | 'machine' | 'stopped', machine: boolean, torn: boolean): CrashEffect {
    this.incarnation += 1;
    this.timers?.stopAll();
    this.timers = null;
    const effect = this.machine.disk.crash(machine, torn);
    this.machine.network.processDown(this.name, kind);
    this.forget();
    this.state = 'down';
    return effect;
  }

  /** A logger into the trace (and the counts of what was logged). */
  protected logger(): Logger {
    const { trace, logCounts } = this.machine;
    const name = this.name;
    return {
      log(level: LogLevel, event, message, fields = {}) {
        // Durations are measured on the real clock: they would make the trace differ between replays.
        const detail = Object.fromEntries(Object.entries(fields).filter(([key]) => key !== 'durationMs'));
        const details =
          level === 'info' || Object.keys(detail).length === 0 ? '' : ` ${JSON.stringify(detail)}`;
        trace.add(`${name} log ${level} ${event}: ${message}${details}`);
        const key = `${level} ${event}`;
        logCounts.set(key, (logCounts.get(key) ?? 0) + 1);
      },
    };
  }
}
