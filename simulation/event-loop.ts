/**
 * Virtual time for the simulator: one queue of events ordered by time (ties
 * by the order they were scheduled). A step runs the next event, then lets
 * every piece of promise work it started run to completion before the next
 * event: nothing in a simulated run waits on real I/O or real timers, so all
 * that work is microtasks, and one turn of Node's event loop drains them.
 * That makes a run a pure function of its seed.
 *
 * Per-node clocks (skew, drift) and timers (`Scheduler`) are built on it.
 */
import type { Clock, Scheduler } from '../core/station/environment.ts';

export type Cancel = () => void;

interface QueuedEvent {
  readonly atMs: number;
  readonly order: number;
  run: (() => void) | null;
}

export class EventLoop {
  private readonly heap: QueuedEvent[] = [];
  private order = 0;
  private now: number;
  /** Events run so far. */
  steps = 0;

  constructor(readonly startMs: number) {
    this.now = startMs;
  }

  /** Global virtual time, in milliseconds (fractions allowed). */
  get nowMs(): number {
    return this.now;
  }

  /** Runs `run` after `delayMs` of virtual time; the returned function cancels it. */
  after(delayMs: number, run: () => void): Cancel {
    const event: QueuedEvent = { atMs: this.now + Math.max(0, delayMs), order: this.order++, run };
    this.push(event);
    return () => {
      event.run = null;
    };
  }

  /**
   * Runs the next event and drains the promise work it caused. Resolves false
   * when no event is left. An exception thrown by an event is rethrown.
   */
  async step(): Promise<boolean> {
    for (;;) {
      const event = this.pop();
      if (event === undefined) return false;
      const run = event.run;
      if (run === null) continue;
      this.now = Math.max(this.now, event.atMs);
      this.steps += 1;
      run();
      await drainPromiseWork();
      return true;
    }
  }

  /** Steps until `promise` settles (for tests and set-up); throws if the events run out first. */
  async runUntilSettled<T>(promise: Promise<T>): Promise<T> {
    const progress = { settled: false };
    const watched = promise.finally(() => {
      progress.settled = true;
    });
    // A rejection is reported by the await below, not as unhandled.
    watched.catch(() => undefined);
    await drainPromiseWork();
    while (!progress.settled) {
      if (!(await this.step())) throw new Error('no event left, and the awaited operation has not settled');
    }
    return watched;
  }

  /** Steps until virtual time reaches `untilMs` (later events stay queued). */
  async runUntil(untilMs: number): Promise<void> {
    for (;;) {
      const next = this.peekTime();
      if (next === null || next > untilMs) break;
      await this.step();
    }
    this.now = Math.max(this.now, untilMs);
  }

  private peekTime(): number | null {
    for (;;) {
      const first = this.heap[0];
      if (first === undefined) return null;
      if (first.run !== null) return first.atMs;
      this.pop();
    }
  }

  private push(event: QueuedEvent): void {
    const heap = this.heap;
    heap.push(event);
    let index = heap.length - 1;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = heap[parentIndex];
      if (parent === undefined || !earlier(event, parent)) break;
      heap[index] = parent;
      heap[parentIndex] = event;
      index = parentIndex;
    }
  }

  private pop(): QueuedEvent | undefined {
    const heap = this.heap;
    const first = heap[0];
    const last = heap.pop();
    if (first === undefined || last === undefined || heap.length === 0) return first;
    // Sift the last event down from the root.
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      let smallest = last;
      let smallestIndex = -1;
      const leftEvent = heap[left];
      if (leftEvent !== undefined && earlier(leftEvent, smallest)) {
        smallest = leftEvent;
        smallestIndex = left;
      }
      const rightEvent = heap[left + 1];
      if (rightEvent !== undefined && earlier(rightEvent, smallest)) {
        smallest = rightEvent;
        smallestIndex = left + 1;
      }
      if (smallestIndex < 0) break;
      heap[index] = smallest;
      index = smallestIndex;
    }
    heap[index] = last;
    return first;
  }
}

function earlier(a: QueuedEvent, b: QueuedEvent): boolean {
  return a.atMs < b.atMs || (a.atMs === b.atMs && a.order < b.order);
}

/** One turn of Node's event loop: every microtask queued so far, and those they queue, runs first. */
function drainPromiseWork(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * A machine's clock: off from true time by `offsetMs` and running fast or
 * slow by `driftPpm` parts per million. Whole milliseconds, as Date.now().
 */
export class NodeClock implements Clock {
  constructor(
    private readonly loop: EventLoop,
    readonly offsetMs: number,
    readonly driftPpm: number,
  ) {}

  /** How fast this machine's time runs against true time. */
  get rate(): number {
    return 1 + this.driftPpm / 1e6;
  }

  nowMs(): number {
    return Math.floor(this.loop.startMs + this.offsetMs + (this.loop.nowMs - this.loop.startMs) * this.rate);
  }
}

/**
 * One process's timers, on virtual time and at its machine's clock rate.
 * `stopAll` (the process died) cancels every one and refuses new ones.
 */
export class ProcessTimers implements Scheduler {
  private readonly cancels = new Set<Cancel>();
  private stopped = false;

  constructor(
    private readonly loop: EventLoop,
    private readonly rate: number,
  ) {}

  schedule(callback: () => void, delayMs: number): Cancel {
    if (this.stopped) return () => undefined;
    const cancel = this.loop.after(delayMs / this.rate, () => {
      this.cancels.delete(cancel);
      if (!this.stopped) callback();
    });
    this.cancels.add(cancel);
    return () => {
      this.cancels.delete(cancel);
      cancel();
    };
  }

  afterTurn(callback: () => void): void {
    this.schedule(callback, 0);
  }

  stopAll(): void {
    this.stopped = true;
    for (const cancel of this.cancels) cancel();
    this.cancels.clear();
  }
}
