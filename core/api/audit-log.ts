/**
 * The station's recent log, as officials see it in the interface: the last
 * `interfaceLimits.auditEntriesKept` entries, in memory only (the JSON log on
 * stderr is the durable record). Entries keep the event and the message but
 * never the fields; messages never carry a ballot choice (see logger.ts).
 */
import type { LogEvent, Logger, LogLevel } from '../logging/logger.ts';
import type { Clock } from '../station/environment.ts';
import { interfaceLimits, type AuditEntry } from './interface-api.ts';

export class AuditLog {
  private readonly entries: AuditEntry[] = [];
  private nextId = 1;
  private readonly listeners = new Set<(entry: AuditEntry) => void>();

  constructor(
    private readonly clock: Clock,
    private readonly capacity: number = interfaceLimits.auditEntriesKept,
  ) {}

  /** A logger that records every entry here and passes it on to `logger`. */
  wrap(logger: Logger): Logger {
    return {
      log: (level, event, message, fields) => {
        logger.log(level, event, message, fields);
        this.record(level, event, message, logger);
      },
    };
  }

  /** The kept entries with an id greater than `afterId`, oldest first. */
  entriesAfter(afterId: number): readonly AuditEntry[] {
    const first = this.entries[0];
    if (first === undefined) return [];
    // Ids are consecutive, so the first wanted entry's index follows from the oldest kept id.
    return this.entries.slice(Math.max(0, afterId - first.id + 1));
  }

  /** Calls `listener` with every new entry until the returned function is called. */
  onEntry(listener: (entry: AuditEntry) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private record(level: LogLevel, event: LogEvent, message: string, inner: Logger): void {
    const entry: AuditEntry = { id: this.nextId, atMs: this.clock.nowMs(), level, event, message };
    this.nextId += 1;
    this.entries.push(entry);
    if (this.entries.length > this.capacity) this.entries.shift();
    for (const listener of this.listeners) {
      try {
        listener(entry);
      } catch (error) {
        // Reported to the inner logger only: through this log it would come back here.
        inner.log('error', 'internal-error', 'an audit log listener failed', {
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
  }
}
