/**
 * Frame rate from a Chromium performance trace (categories `devtools.timeline`
 * and `disabled-by-default-devtools.timeline.frame`), between two marks the
 * page wrote with `console.timeStamp`. A frame is a `DrawFrame` event of the
 * page's compositor; the display's refresh interval is the median spacing of
 * its `BeginFrame` events.
 *
 * Dropped frames are counted from the gaps between drawn frames (a gap of
 * three refresh intervals is two frames dropped), not from `DroppedFrame` or
 * `PipelineReporter` events: headless Chromium has no display to confirm
 * presentation, so it reports every frame it draws as dropped too.
 */

export interface TraceEvent {
  readonly name: string;
  readonly ph: string;
  /** Microseconds, on the trace's clock. */
  readonly ts: number;
  readonly pid: number;
  readonly args?: { readonly data?: { readonly message?: string } };
}

export interface FrameFigures {
  /** The marked span, in ms. */
  readonly spanMs: number;
  readonly framesDrawn: number;
  readonly framesPerSecond: number;
  /** Refresh intervals in the span without a frame drawn. */
  readonly framesDropped: number;
  readonly refreshIntervalMs: number;
  /** The longest time between two frames drawn, in ms. */
  readonly longestGapMs: number;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

function gapsMs(timestamps: readonly number[]): number[] {
  return timestamps.slice(1).map((ts, index) => (ts - (timestamps[index] ?? ts)) / 1000);
}

/** The figures between the `console.timeStamp(startMark)` and `(endMark)` of one page. */
export function framesBetween(
  events: readonly TraceEvent[],
  startMark: string,
  endMark: string,
): FrameFigures {
  const mark = (message: string): TraceEvent => {
    const found = events.find((event) => event.name === 'TimeStamp' && event.args?.data?.message === message);
    if (found === undefined) throw new Error(`the trace has no mark ${message}`);
    return found;
  };
  const start = mark(startMark);
  const end = mark(endMark);
  const within = (name: string): number[] =>
    events
      .filter(
        (event) =>
          event.name === name && event.pid === start.pid && event.ts >= start.ts && event.ts <= end.ts,
      )
      .map((event) => event.ts)
      .sort((a, b) => a - b);
  const draws = within('DrawFrame');
  const refreshIntervalMs = median(gapsMs(within('BeginFrame')));
  const drawGaps = gapsMs(draws);
  const spanMs = (end.ts - start.ts) / 1000;
  return {
    spanMs,
    framesDrawn: draws.length,
    framesPerSecond: draws.length / (spanMs / 1000),
    framesDropped: drawGaps.reduce(
      (sum, gap) => sum + Math.max(0, Math.round(gap / refreshIntervalMs) - 1),
      0,
    ),
    refreshIntervalMs,
    longestGapMs: Math.max(0, ...drawGaps),
  };
}
