/**
 * Reading fields out of decoded protobuf messages without trusting their
 * shape: protobufjs hands back plain objects whose types TypeScript cannot see.
 */
export type Fields = Readonly<Record<string, unknown>>;

export function fieldsOf(value: unknown): Fields {
  return typeof value === 'object' && value !== null ? (value as Fields) : {};
}

export function text(fields: Fields, name: string): string {
  const value = fields[name];
  return typeof value === 'string' ? value : '';
}

export function bytes(fields: Fields, name: string): Uint8Array {
  const value = fields[name];
  return value instanceof Uint8Array ? value : new Uint8Array(0);
}

export function textList(fields: Fields, name: string): string[] {
  const value = fields[name];
  return Array.isArray(value) ? value.map((item) => (typeof item === 'string' ? item : '')) : [];
}

/** A google.protobuf.Timestamp as milliseconds since the epoch; NaN if out of range. */
export function timestampMs(fields: Fields, name: string): number {
  const timestamp = fieldsOf(fields[name]);
  // protobufjs gives 64-bit integers as decimal strings here (`longs: String`).
  const rawSeconds = timestamp['seconds'] ?? 0;
  const seconds = typeof rawSeconds === 'string' || typeof rawSeconds === 'number' ? Number(rawSeconds) : NaN;
  const nanos = Number(timestamp['nanos'] ?? 0);
  if (!Number.isSafeInteger(seconds) || !Number.isInteger(nanos) || nanos < 0 || nanos > 999_999_999)
    return NaN;
  const ms = seconds * 1000 + Math.floor(nanos / 1_000_000);
  return Number.isSafeInteger(ms) ? ms : NaN;
}
