/** What a station reports about itself and its paired station (GET /api/status, the interface). */
export interface PeerStatus {
  readonly connected: boolean;
  readonly inSync: boolean;
  readonly address: string;
  readonly stationId: string;
  /** Commands the primary holds that the backup has not confirmed yet. */
  readonly lagRecords: number;
}

/** The witness: a third member that lets a station tell a dead peer from a cut link (core/witness). */
export interface WitnessStatus {
  /** True if this station was started with a witness (--witness). */
  readonly configured: boolean;
  readonly connected: boolean;
  /** HOST:PORT of the witness; '' without one. */
  readonly address: string;
}

/**
 * With a witness, a station takes writes only while it holds a majority (itself plus the
 * witness, or itself plus its backup in sync) under a lease. Without a witness there is no
 * majority to hold: `held` is false and the station decides alone, as it always did.
 */
export interface QuorumStatus {
  readonly held: boolean;
  /** While held: when (ms since 1970, this station's clock) the majority lapses unless renewed. */
  readonly untilMs?: number;
  /** While not held: why, when there is something to say (e.g. why a take-over waits). */
  readonly reason?: string;
}

export interface StationStatus {
  readonly role: 'primary' | 'backup';
  readonly epoch: number;
  readonly stationId: string;
  /** True while this station takes changes. */
  readonly writable: boolean;
  /** True for a primary with no backup in sync: acknowledged changes exist on this machine only. */
  readonly unprotected: boolean;
  readonly peer: PeerStatus;
  readonly witness: WitnessStatus;
  readonly quorum: QuorumStatus;
}
