/** The dotted key of every message (every string leaf) in a tree of messages. */
export function leafKeys(value: unknown, prefix = ''): string[] {
  if (typeof value === 'string') return [prefix];
  return Object.entries(value as Record<string, unknown>).flatMap(([key, inner]) =>
    leafKeys(inner, prefix === '' ? key : `${prefix}.${key}`),
  );
}
