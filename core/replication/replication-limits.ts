/**
 * Bounds of the replication channel, kept apart from core/protocol/limits.ts
 * because they concern the link between the two stations, not client input.
 */
export const replicationLimits = {
  /**
   * Largest frame a station sends or accepts. A peer announcing more is
   * dropped before anything is buffered, so it cannot exhaust memory.
   */
  replicationFrameBytesMax: 8 * 1024 * 1024,
  /** Unauthenticated connections hold resources only this long. */
  handshakeTimeoutMs: 10_000,
  /** Two stations need a handful; the cap stops a flood of half-open connections. */
  connectionsMax: 16,
} as const;
