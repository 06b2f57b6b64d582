/**
 * Structured logging. Every event name is declared once in `LogEvent` so that
 * what the station can log is reviewable in one place. Log fields must never
 * carry a ballot choice: callers pass identifiers and counts, not ballots.
 */
export type LogLevel = 'info' | 'warn' | 'error';

export type LogFields = Readonly<Record<string, string | number | boolean | null>>;

export interface Logger {
  log(level: LogLevel, event: LogEvent, message: string, fields?: LogFields): void;
}

export type LogEvent =
  // The Electron app's main process (electron/).
  | 'app-second-instance'
  | 'app-ipc-refused'
  | 'app-ipc-invalid-request'
  | 'app-navigation-blocked'
  | 'app-window-open-blocked'
  | 'app-kiosk-entered'
  | 'app-kiosk-left'
  | 'app-mode-changed'
  | 'app-crypto-check-failed'
  | 'app-renderer-gone'
  | 'app-start-failed'
  | 'app-settings-damaged'
  | 'station-start-init'
  | 'station-start-complete'
  | 'station-stop-init'
  | 'station-stop-complete'
  | 'store-recovery-complete'
  | 'store-torn-tail-truncated'
  | 'store-write-failed'
  | 'store-snapshot-complete'
  | 'store-snapshot-failed'
  | 'grpc-listening'
  | 'grpc-request-rejected'
  | 'internal-error'
  | 'replication-peer-rejected'
  | 'replication-peer-connected'
  | 'replication-unprotected'
  | 'replication-protected'
  | 'replication-peer-lost'
  | 'replication-peer-silent'
  | 'replication-follower-live'
  | 'replication-full-copy'
  | 'replication-diverged'
  | 'replication-merged'
  | 'replication-peer-restarted'
  | 'replication-hello-outdated'
  | 'replication-promoting'
  | 'replication-stale-epoch'
  | 'replication-fenced'
  | 'replication-promoted'
  | 'replication-handover-init'
  | 'replication-handover-complete'
  // A station's side of the witness (core/witness/quorum.ts).
  | 'quorum-witness-connected'
  | 'quorum-witness-lost'
  | 'quorum-held'
  | 'quorum-lost'
  | 'quorum-vote-granted'
  | 'quorum-refused'
  | 'quorum-vouched'
  // The witness process (core/witness/witness-server.ts, `evote witness`).
  | 'witness-start-init'
  | 'witness-listening'
  | 'witness-vote-granted'
  | 'witness-refused'
  | 'witness-lease-released'
  | 'witness-synced-changed'
  | 'witness-state-failed'
  | 'witness-request-rejected'
  | 'witness-stop-init'
  | 'witness-stop-complete'
  | 'http-listening'
  | 'http-exposed'
  | 'replication-channel-error'
  | 'replication-frame-rejected'
  | 'discovery-started'
  | 'discovery-advert-updated'
  | 'discovery-peer-found'
  | 'discovery-peer-lost'
  | 'discovery-peer-rejected'
  | 'discovery-error'
  | 'discovery-recovered'
  | 'discovery-stopped'
  | 'official-registered'
  | 'official-signed-in'
  | 'official-sign-in-failed'
  | 'voter-registered'
  | 'voter-unregistered'
  | 'election-created';

/** Writes one JSON object per line, e.g. to stderr, so logs stay machine-readable. */
export function createJsonLineLogger(write: (line: string) => void, now: () => number = Date.now): Logger {
  return {
    log(level, event, message, fields = {}) {
      write(JSON.stringify({ time: new Date(now()).toISOString(), level, event, message, ...fields }) + '\n');
    },
  };
}

/** A logger that keeps entries in memory, for tests. */
export interface RecordedLogEntry {
  readonly level: LogLevel;
  readonly event: LogEvent;
  readonly message: string;
  readonly fields: LogFields;
}

export function createMemoryLogger(): Logger & { readonly entries: RecordedLogEntry[] } {
  const entries: RecordedLogEntry[] = [];
  return {
    entries,
    log(level, event, message, fields = {}) {
      entries.push({ level, event, message, fields });
    },
  };
}
