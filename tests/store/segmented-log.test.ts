import { mkdtemp, open, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../core/logging/logger.ts';
import { scanFrames } from '../../core/store/record-frame.ts';
import {
  SegmentedLog,
  StorageFailedError,
  StorageFullError,
  segmentFileName,
  type LogFile,
  type OpenLogFile,
} from '../../core/store/segmented-log.ts';

let scratch: string;

beforeEach(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'evote-log-test-'));
});

afterEach(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** Counts file operations and fails the ones a test asks to fail. */
interface FileProbe {
  writes: number;
  syncs: number;
  opens: number;
  /** The next write call writes this many bytes (if set) and the one after throws `failWriteCode`. */
  partialWriteBytes: number | null;
  failWriteCode: string | null;
  failSyncCode: string | null;
  failOpenCode: string | null;
}

function probe(): FileProbe {
  return {
    writes: 0,
    syncs: 0,
    opens: 0,
    partialWriteBytes: null,
    failWriteCode: null,
    failSyncCode: null,
    failOpenCode: null,
  };
}

function systemError(code: string): Error {
  return Object.assign(new Error(`${code}: simulated`), { code });
}

function probedOpen(state: FileProbe): OpenLogFile {
  return async (path, flags) => {
    state.opens++;
    if (state.failOpenCode !== null) {
      const code = state.failOpenCode;
      state.failOpenCode = null;
      throw systemError(code);
    }
    const handle = await open(path, flags, 0o600);
    const file: LogFile = {
      async write(buffer, offset, length, position) {
        state.writes++;
        if (state.partialWriteBytes !== null) {
          const partialBytes = state.partialWriteBytes;
          state.partialWriteBytes = null;
          return handle.write(buffer, offset, Math.min(partialBytes, length), position);
        }
        if (state.failWriteCode !== null) {
          const code = state.failWriteCode;
          state.failWriteCode = null;
          throw systemError(code);
        }
        return handle.write(buffer, offset, length, position);
      },
      async datasync() {
        state.syncs++;
        if (state.failSyncCode !== null) throw systemError(state.failSyncCode);
        await handle.datasync();
      },
      truncate: (lengthBytes) => handle.truncate(lengthBytes),
      close: () => handle.close(),
    };
    return file;
  };
}

function newLog(state: FileProbe, lastSeq = 0) {
  const logger = createMemoryLogger();
  const log = new SegmentedLog({
    dir: scratch,
    logger,
    lastSeq,
    continueSegment: null,
    bytesSinceSnapshot: 0,
    openFile: probedOpen(state),
  });
  return { log, logger };
}

const payload = (seq: number) => Buffer.from(`command ${seq}`);

async function seqsIn(path: string): Promise<number[]> {
  const seqs: number[] = [];
  for await (const item of scanFrames(path)) {
    if (item.kind !== 'frame') throw new Error(`unexpected torn tail at ${item.offsetBytes}`);
    seqs.push(item.seq);
  }
  return seqs;
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, index) => from + index);

/** Settles every promise and reports how each one ended. */
async function outcomes(promises: Promise<void>[]): Promise<(true | Error)[]> {
  return Promise.all(
    promises.map((promise) =>
      promise.then(
        () => true as const,
        (error: unknown) => error as Error,
      ),
    ),
  );
}

describe('SegmentedLog', () => {
  it('group-commits: 1,000 concurrent appends take far fewer than 1,000 writes and flushes', async () => {
    const state = probe();
    const { log } = newLog(state);
    await Promise.all(range(1, 1000).map((seq) => log.append(seq, payload(seq))));
    expect(state.syncs).toBeLessThanOrEqual(5);
    expect(state.writes).toBe(state.syncs);
    expect(log.durableSeq).toBe(1000);
    await log.close();
    expect(await seqsIn(join(scratch, segmentFileName(1)))).toEqual(range(1, 1000));
  });

  it('resolves appends in order and counts the bytes appended', async () => {
    const state = probe();
    const { log } = newLog(state);
    const resolved: number[] = [];
    await Promise.all(
      range(1, 20).map((seq) => log.append(seq, payload(seq)).then(() => resolved.push(seq))),
    );
    expect(resolved).toEqual(range(1, 20));
    const sizeBytes = (await stat(join(scratch, segmentFileName(1)))).size;
    expect(log.bytesSinceSnapshot).toBe(sizeBytes);
    await log.close();
  });

  it('rejects an append whose seq does not follow the previous one, as a bug', async () => {
    const { log } = newLog(probe(), 10);
    await expect(log.append(12, payload(12))).rejects.toThrow('append out of order: expected seq 11, got 12');
    await log.append(11, payload(11));
    await expect(log.append(11, payload(11))).rejects.toThrow(/out of order/);
    await expect(log.append(12, payload(12))).resolves.toBeUndefined();
    await log.close();
    await expect(log.append(13, payload(13))).rejects.toThrow('the command log is closed');
  });

  it('on a full disk cuts the partial write off, rejects the batch and later appends, then recovers', async () => {
    const state = probe();
    const { log, logger } = newLog(state);
    const path = join(scratch, segmentFileName(1));
    await Promise.all(range(1, 3).map((seq) => log.append(seq, payload(seq))));
    const durableBytes = (await stat(path)).size;

    state.partialWriteBytes = 10;
    state.failWriteCode = 'ENOSPC';
    const results = await outcomes(range(4, 8).map((seq) => log.append(seq, payload(seq))));
    for (const result of results) expect(result).toBeInstanceOf(StorageFullError);
    expect(String(results[0])).toContain("the station's disk is full: the change was not recorded");
    expect((await stat(path)).size).toBe(durableBytes);
    expect(log.durableSeq).toBe(3);
    expect(logger.entries.map((entry) => entry.event)).toContain('store-write-failed');

    // An append made before the caller undid the failed ones is one of them.
    await expect(log.append(9, payload(9))).rejects.toBeInstanceOf(StorageFullError);
    // Having undone them, the caller appends seq 4 again, and the disk has room now.
    await log.append(4, payload(4));
    await log.append(5, payload(5));
    await log.close();
    expect(await seqsIn(path)).toEqual(range(1, 5));
  });

  it('on a full disk when creating a segment, rejects and later creates it', async () => {
    const state = probe();
    const { log } = newLog(state);
    state.failOpenCode = 'ENOSPC';
    await expect(log.append(1, payload(1))).rejects.toBeInstanceOf(StorageFullError);
    await log.append(1, payload(1));
    await log.close();
    expect(await seqsIn(join(scratch, segmentFileName(1)))).toEqual([1]);
  });

  it('poisons the log after a failed flush: the batch, queued and later appends reject with the same error', async () => {
    const state = probe();
    const { log, logger } = newLog(state);
    await log.append(1, payload(1));
    state.failSyncCode = 'EIO';
    const inFlight = log.append(2, payload(2));
    const queued = log.append(3, payload(3));
    const results = await outcomes([inFlight, queued]);
    expect(results[0]).toBeInstanceOf(StorageFailedError);
    expect(results[1]).toBe(results[0]);
    expect((results[0] as StorageFailedError).code).toBe('EIO');
    expect((results[0] as Error).message).toContain('could not write to its disk (EIO)');
    state.failSyncCode = null;
    const syncsBefore = state.syncs;
    await expect(log.append(2, payload(2))).rejects.toBe(results[0]);
    await expect(log.append(4, payload(4))).rejects.toBe(results[0]);
    expect(state.syncs).toBe(syncsBefore);
    expect(logger.entries.find((entry) => entry.level === 'error')?.event).toBe('store-write-failed');
    await log.close();
  });

  it('poisons the log after a write error other than a full disk', async () => {
    const state = probe();
    const { log } = newLog(state);
    state.failWriteCode = 'EIO';
    await expect(log.append(1, payload(1))).rejects.toBeInstanceOf(StorageFailedError);
    await expect(log.append(1, payload(1))).rejects.toBeInstanceOf(StorageFailedError);
    await log.close();
  });

  it('rotates to a new segment and tracks the bytes a snapshot covers', async () => {
    const state = probe();
    const { log } = newLog(state);
    await Promise.all(range(1, 5).map((seq) => log.append(seq, payload(seq))));
    const firstBytes = log.bytesSinceSnapshot;
    const rotation = log.rotate();
    expect(rotation.coveredBytes).toBe(firstBytes);
    await rotation.previousClosed;
    expect(log.currentSegmentFirstSeq).toBe(6);
    await log.append(6, payload(6));
    log.snapshotDurable(rotation.coveredBytes);
    expect(log.bytesSinceSnapshot).toBe((await stat(join(scratch, segmentFileName(6)))).size);
    await log.rotate().previousClosed;
    // Rotating again before any append keeps the empty segment that already starts after the last record.
    expect(log.rotate().coveredBytes).toBe(log.bytesSinceSnapshot);
    expect(log.currentSegmentFirstSeq).toBe(7);
    await log.append(7, payload(7));
    await log.close();
    expect((await readdir(scratch)).sort()).toEqual([1, 6, 7].map(segmentFileName));
    expect(await seqsIn(join(scratch, segmentFileName(6)))).toEqual([6]);
    expect(await seqsIn(join(scratch, segmentFileName(7)))).toEqual([7]);
  });

  it('refuses to rotate while appends are pending', async () => {
    const { log } = newLog(probe());
    const pending = log.append(1, payload(1));
    expect(() => log.rotate()).toThrow(/pending/);
    await pending;
    await log.close();
  });
});
