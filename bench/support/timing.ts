/** Clocks, latency samples and percentiles for the benchmarks. */
import { performance } from 'node:perf_hooks';

/** Monotonic milliseconds (for durations within one process). */
export function nowMs(): number {
  return performance.now();
}

export async function timed<T>(run: () => Promise<T>): Promise<{ readonly result: T; readonly ms: number }> {
  const start = nowMs();
  const result = await run();
  return { result, ms: nowMs() - start };
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A growable list of latencies in milliseconds. */
export class LatencySamples {
  private values = new Float64Array(1024);
  private size = 0;

  get count(): number {
    return this.size;
  }

  push(ms: number): void {
    if (this.size === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.size++] = ms;
  }

  pushAll(values: Float64Array): void {
    for (const value of values) this.push(value);
  }

  /** The samples, sorted ascending (a copy). */
  sorted(): Float64Array {
    return this.values.slice(0, this.size).sort();
  }

  /** The samples as recorded (a copy), e.g. to send to another process. */
  toArray(): Float64Array {
    return this.values.slice(0, this.size);
  }
}

/** Nearest-rank percentile of ascending `sorted` values (`p` in 0..100); NaN when empty. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? NaN;
}
