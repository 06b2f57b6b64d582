/**
 * The audit log: keeps the newest entries with consecutive ids, without
 * fields, passes every entry on to the wrapped logger unchanged, tells its
 * listeners, and survives a listener that fails.
 */
import { describe, expect, it } from 'vitest';
import { AuditLog } from '../../core/api/audit-log.ts';
import { interfaceLimits, type AuditEntry } from '../../core/api/interface-api.ts';
import { createMemoryLogger } from '../../core/logging/logger.ts';
import { manualClock } from '../support/station-fixtures.ts';

describe('audit log', () => {
  it('records each entry with an id and the time, and forwards it with its fields', () => {
    const clock = manualClock();
    const audit = new AuditLog(clock);
    const inner = createMemoryLogger();
    const logger = audit.wrap(inner);
    logger.log('info', 'station-start-init', 'starting', { dataDir: '/tmp/x' });
    clock.advance(5);
    logger.log('warn', 'replication-unprotected', 'alone');
    expect(inner.entries).toEqual([
      { level: 'info', event: 'station-start-init', message: 'starting', fields: { dataDir: '/tmp/x' } },
      { level: 'warn', event: 'replication-unprotected', message: 'alone', fields: {} },
    ]);
    expect(audit.entriesAfter(0)).toEqual([
      { id: 1, atMs: clock.nowMs() - 5, level: 'info', event: 'station-start-init', message: 'starting' },
      { id: 2, atMs: clock.nowMs(), level: 'warn', event: 'replication-unprotected', message: 'alone' },
    ]);
    expect(audit.entriesAfter(1).map((entry) => entry.id)).toEqual([2]);
    expect(audit.entriesAfter(2)).toEqual([]);
  });

  it(`keeps the newest ${interfaceLimits.auditEntriesKept} entries`, () => {
    const audit = new AuditLog(manualClock());
    const logger = audit.wrap(createMemoryLogger());
    const total = interfaceLimits.auditEntriesKept + 250;
    for (let index = 0; index < total; index += 1) logger.log('info', 'grpc-listening', `entry ${index + 1}`);
    const kept = audit.entriesAfter(0);
    expect(kept).toHaveLength(interfaceLimits.auditEntriesKept);
    expect(kept[0]?.id).toBe(251);
    expect(kept.at(-1)?.id).toBe(total);
    expect(audit.entriesAfter(total - 3).map((entry) => entry.message)).toEqual([
      `entry ${total - 2}`,
      `entry ${total - 1}`,
      `entry ${total}`,
    ]);
  });

  it('tells listeners of each entry until they stop, and reports a failing listener to the inner logger only', () => {
    const audit = new AuditLog(manualClock());
    const inner = createMemoryLogger();
    const logger = audit.wrap(inner);
    const heard: AuditEntry[] = [];
    const stop = audit.onEntry((entry) => heard.push(entry));
    audit.onEntry(() => {
      throw new Error('listener bug');
    });
    logger.log('info', 'grpc-listening', 'one');
    stop();
    logger.log('info', 'grpc-listening', 'two');
    expect(heard.map((entry) => entry.message)).toEqual(['one']);
    expect(inner.entries.filter((entry) => entry.event === 'internal-error')).toHaveLength(2);
    expect(audit.entriesAfter(0).map((entry) => entry.message)).toEqual(['one', 'two']);
  });
});
