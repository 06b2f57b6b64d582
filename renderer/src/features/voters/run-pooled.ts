/**
 * Works through items in order with at most `inFlightMax` at a time, so a long
 * import keeps the station busy without flooding it. Once `stopped()` answers
 * true no further item starts; those in flight finish. Answers how many
 * items were started.
 */
export async function runPooled<T>(
  items: readonly T[],
  inFlightMax: number,
  work: (item: T) => Promise<void>,
  stopped: () => boolean,
): Promise<number> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length && !stopped()) {
      const item = items[next] as T;
      next += 1;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlightMax, items.length) }, worker));
  return next;
}
