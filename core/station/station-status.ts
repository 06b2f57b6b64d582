/** What a station reports about itself and its paired station (GET /api/status, the interface). */
export interface PeerStatus {
  readonly connected: boolean;
  readonly inSync: boolean;
  readonly address: string;
  readonly stationId: string;
  /** Commands the primary holds that the backup has not confirmed yet. */
  readonly lagRecords: number;
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
}
