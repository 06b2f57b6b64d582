/**
 * What happened in a run, line by line: folded into a hash (two runs of one
 * seed must give the same hash) and kept as short tails for the report of a
 * violation, one of what happened to the stations and the network and one of
 * what the clients saw. Lines carry the step and the virtual time since the
 * start.
 */
import { createHash, type Hash } from 'node:crypto';
import type { EventLoop } from './event-loop.ts';

export type TraceSource = 'cluster' | 'client';

/** The last lines added, oldest first. */
class Tail {
  private readonly lines: string[] = [];
  private next = 0;

  constructor(private readonly length: number) {}

  add(line: string): void {
    if (this.lines.length < this.length) this.lines.push(line);
    else this.lines[this.next] = line;
    this.next = (this.next + 1) % this.length;
  }

  recent(): string[] {
    return this.lines.length < this.length
      ? [...this.lines]
      : [...this.lines.slice(this.next), ...this.lines.slice(0, this.next)];
  }
}

export class Trace {
  private readonly hash: Hash = createHash('sha256');
  private readonly tails: Readonly<Record<TraceSource, Tail>>;
  lines = 0;

  constructor(
    private readonly loop: EventLoop,
    tailLengths: Readonly<Record<TraceSource, number>> = { cluster: 40, client: 10 },
    /** Receives every line as well (--verbose). */
    private readonly echo: ((line: string) => void) | null = null,
  ) {
    this.tails = { cluster: new Tail(tailLengths.cluster), client: new Tail(tailLengths.client) };
  }

  add(text: string, source: TraceSource = 'cluster'): void {
    const line = `${this.loop.steps} ${(this.loop.nowMs - this.loop.startMs).toFixed(3)}ms ${text}`;
    this.hash.update(line);
    this.hash.update('\n');
    this.lines += 1;
    this.tails[source].add(line);
    this.echo?.(line);
  }

  /** The last lines from `source`, oldest first. */
  recent(source: TraceSource): string[] {
    return this.tails[source].recent();
  }

  digest(): string {
    return this.hash.copy().digest('hex');
  }
}
