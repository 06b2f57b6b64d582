import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { limits } from '../../core/protocol/limits.ts';
import { encodeFrame, frameHeaderBytes } from '../../core/store/record-frame.ts';
import { segmentFileName } from '../../core/store/segmented-log.ts';
import { snapshotFileName, writeSnapshotFile } from '../../core/store/snapshot-file.ts';
import { CorruptStoreError } from '../../core/store/store.ts';
import { appendAll, payload, range, useStoreDirectory } from '../support/store-fixtures.ts';

const stores = useStoreDirectory('evote-store-test-');
const { openStore, recoverStore, closeStore, closeAll, writeSegment, filesInDir } = stores;

const chunksOf = (seq: number) => [
  Buffer.from(`state after ${seq}`),
  Buffer.alloc(3000, seq % 256),
  Buffer.alloc(0),
];

/** Recovery that must fail: returns the error, having closed the store. */
async function failedRecovery(): Promise<CorruptStoreError> {
  const error: unknown = await recoverStore().then(
    () => new Error('recovery succeeded on a damaged store'),
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(CorruptStoreError);
  return error as CorruptStoreError;
}

/** Snapshot of every file's bytes, to show that a failed recovery changed nothing. */
async function dirContents(): Promise<Map<string, Buffer>> {
  const names = await filesInDir();
  return new Map(
    await Promise.all(names.map(async (name) => [name, await readFile(join(stores.dir, name))] as const)),
  );
}

describe('Store round trip', () => {
  it('creates the directory with mode 0700 and recovers an empty store as seq 0', async () => {
    const { store, result, records, snapshotStarts } = await recoverStore();
    expect(result).toEqual({ lastSeq: 0, snapshotSeq: 0, recordsReplayed: 0 });
    expect(records).toEqual([]);
    expect(snapshotStarts).toEqual([]);
    expect((await stat(stores.dir)).mode & 0o777).toBe(0o700);
    expect(store.bytesSinceSnapshot).toBe(0);
  });

  it('gives back every appended record, in order, after a restart, and appends on', async () => {
    const first = await recoverStore();
    await appendAll(first.store, range(1, 50));
    const sizeBytes = (await stat(join(stores.dir, segmentFileName(1)))).size;
    expect(first.store.bytesSinceSnapshot).toBe(sizeBytes);
    await closeStore(first.store);

    const second = await recoverStore();
    expect(second.result).toEqual({ lastSeq: 50, snapshotSeq: 0, recordsReplayed: 50 });
    expect(second.records).toEqual(range(1, 50));
    expect(second.store.bytesSinceSnapshot).toBe(sizeBytes);
    expect(second.entries.map((entry) => entry.event)).toEqual(['store-recovery-complete']);
    await second.store.append(51, payload(51));
    await closeStore(second.store);

    const third = await recoverStore();
    expect(third.records).toEqual(range(1, 51));
    expect(await filesInDir()).toEqual([segmentFileName(1)]);
  });

  it('refuses append before recover, and a second recover', async () => {
    const { store } = await openStore();
    await expect(store.append(1, payload(1))).rejects.toThrow(/recover must complete before append/);
    await store.recover(
      () => undefined,
      () => undefined,
    );
    await expect(
      store.recover(
        () => undefined,
        () => undefined,
      ),
    ).rejects.toThrow(/only be called once/);
  });

  it('rejects appends after close', async () => {
    const { store } = await recoverStore();
    await store.append(1, payload(1));
    await closeStore(store);
    await expect(store.append(2, payload(2))).rejects.toThrow(/closed/);
  });
});

describe('Store snapshots', () => {
  it('writes a snapshot, removes the covered log, and recovers snapshot plus later records', async () => {
    const { store, entries } = await recoverStore();
    await appendAll(store, range(1, 10));
    await store.writeSnapshot(10, chunksOf(10));
    expect(store.bytesSinceSnapshot).toBe(0);
    expect(await filesInDir()).toEqual([snapshotFileName(10)]);
    expect(entries.map((entry) => entry.event)).toContain('store-snapshot-complete');
    await appendAll(store, range(11, 15));
    await closeStore(store);

    const recovered = await recoverStore();
    expect(recovered.snapshotStarts).toEqual([10]);
    expect(recovered.chunks).toEqual(chunksOf(10));
    expect(recovered.records).toEqual(range(11, 15));
    expect(recovered.result).toEqual({ lastSeq: 15, snapshotSeq: 10, recordsReplayed: 5 });
    expect(recovered.store.bytesSinceSnapshot).toBe((await stat(join(stores.dir, segmentFileName(11)))).size);
  });

  it('lets appends go on in the new segment while the snapshot is written, one snapshot at a time', async () => {
    const { store } = await recoverStore();
    await appendAll(store, range(1, 100));
    const bigChunks = Array.from({ length: 40 }, (_, index) => Buffer.alloc(256 * 1024, index));
    const snapshot = store.writeSnapshot(100, bigChunks);
    const appended = appendAll(store, range(101, 300));
    await expect(store.writeSnapshot(100, [])).rejects.toThrow(/a snapshot is already being written/);
    await Promise.all([snapshot, appended]);
    expect(await filesInDir()).toEqual([segmentFileName(101), snapshotFileName(100)]);
    expect(store.bytesSinceSnapshot).toBe((await stat(join(stores.dir, segmentFileName(101)))).size);
    await closeStore(store);

    const recovered = await recoverStore();
    // Compared as a whole: deep equality of megabytes, byte by byte, is very slow.
    expect(Buffer.concat(recovered.chunks).equals(Buffer.concat(bigChunks))).toBe(true);
    expect(recovered.chunks.map((chunk) => chunk.length)).toEqual(bigChunks.map((chunk) => chunk.length));
    expect(recovered.records).toEqual(range(101, 300));
  });

  it('asserts its preconditions without changing anything', async () => {
    const { store } = await recoverStore();
    await appendAll(store, range(1, 3));
    await expect(store.writeSnapshot(2, [])).rejects.toThrow(
      'writeSnapshot(2) called but the last appended seq is 3',
    );
    const pending = store.append(4, payload(4));
    await expect(store.writeSnapshot(3, [])).rejects.toThrow(/appends are pending/);
    await pending;
    await expect(store.writeSnapshot(4, [new Uint8Array(limits.storeRecordBytesMax + 1)])).rejects.toThrow(
      RangeError,
    );
    expect(await filesInDir()).toEqual([segmentFileName(1)]);
    await store.append(5, payload(5));
  });

  it('snapshots twice in a row, including with no records in between', async () => {
    const { store } = await recoverStore();
    await appendAll(store, range(1, 5));
    await store.writeSnapshot(5, chunksOf(5));
    await store.writeSnapshot(5, chunksOf(5));
    await appendAll(store, range(6, 7));
    await store.writeSnapshot(7, chunksOf(7));
    expect(await filesInDir()).toEqual([snapshotFileName(7)]);
    await closeStore(store);
    const recovered = await recoverStore();
    expect(recovered.result).toEqual({ lastSeq: 7, snapshotSeq: 7, recordsReplayed: 0 });
    expect(recovered.chunks).toEqual(chunksOf(7));
  });
});

describe('Store torn tails', () => {
  it('cuts a torn tail at every byte inside the last frame and keeps every earlier record', async () => {
    const first = await recoverStore();
    await appendAll(first.store, range(1, 5));
    await closeStore(first.store);
    const path = join(stores.dir, segmentFileName(1));
    const full = await readFile(path);
    const lastFrameBytes = frameHeaderBytes + payload(5).length;
    const lastOffset = full.length - lastFrameBytes;

    for (let cut = lastOffset + 1; cut < full.length; cut++) {
      await writeFile(path, full.subarray(0, cut));
      const recovered = await recoverStore();
      expect(recovered.records).toEqual(range(1, 4));
      expect(recovered.result.lastSeq).toBe(4);
      const warning = recovered.entries.find((entry) => entry.event === 'store-torn-tail-truncated');
      expect(warning?.level).toBe('warn');
      expect(warning?.fields).toEqual({ file: path, offset: lastOffset, droppedBytes: cut - lastOffset });
      expect((await stat(path)).size).toBe(lastOffset);
      // The store appends on from the cut.
      await recovered.store.append(5, payload(5));
      await closeStore(recovered.store);
      expect(await readFile(path)).toEqual(full);
    }
  });

  it('cuts a torn tail in the segment after a snapshot', async () => {
    const first = await recoverStore();
    await appendAll(first.store, range(1, 4));
    await first.store.writeSnapshot(4, chunksOf(4));
    await appendAll(first.store, range(5, 6));
    await closeStore(first.store);
    const path = join(stores.dir, segmentFileName(5));
    const full = await readFile(path);
    await writeFile(path, full.subarray(0, full.length - 3));
    const recovered = await recoverStore();
    expect(recovered.records).toEqual([5]);
    expect(recovered.result).toEqual({ lastSeq: 5, snapshotSeq: 4, recordsReplayed: 1 });
  });

  it('treats an incomplete record in a segment that newer segments follow as corruption', async () => {
    await mkdir(stores.dir, { recursive: true });
    const path = await writeSegment(1, [1, 2, 3]);
    const bytes = await readFile(path);
    await writeFile(path, bytes.subarray(0, bytes.length - 2));
    await writeSegment(4, [4]);
    const before = await dirContents();
    const error = await failedRecovery();
    expect(error.file).toBe(path);
    expect(error.message).toMatch(/newer log files follow it/);
    expect(await dirContents()).toEqual(before);
  });
});

describe('Store corruption', () => {
  beforeEach(async () => {
    await mkdir(stores.dir, { recursive: true });
  });

  it('refuses a record with a bad checksum before the tail, naming file and offset, and changes nothing', async () => {
    const path = await writeSegment(1, range(1, 6));
    const bytes = await readFile(path);
    const offset = encodeFrame(1, payload(1)).length;
    bytes[offset + frameHeaderBytes + 2] = (bytes[offset + frameHeaderBytes + 2] ?? 0) ^ 0x40;
    await writeFile(path, bytes);
    const before = await dirContents();
    const error = await failedRecovery();
    expect(error.file).toBe(path);
    expect(error.offsetBytes).toBe(offset);
    expect(error.message).toBe(
      `corrupt record in ${path} at byte offset ${offset}: checksum mismatch; the station will not start so that ` +
        'no data is silently dropped. Restore this file from the backup station or contact support.',
    );
    expect(await dirContents()).toEqual(before);
  });

  it('detects a gap between segments', async () => {
    await writeSegment(1, [1, 2, 3]);
    const path = await writeSegment(5, [5, 6]);
    const error = await failedRecovery();
    expect(error.file).toBe(path);
    expect(error.message).toMatch(/records 4 to 4 are missing/);
  });

  it('detects a gap inside a segment', async () => {
    const path = await writeSegment(1, [1, 2, 4]);
    const error = await failedRecovery();
    expect(error.file).toBe(path);
    expect(error.offsetBytes).toBe(encodeFrame(1, payload(1)).length + encodeFrame(2, payload(2)).length);
    expect(error.message).toMatch(/expected record 3 but found record 4: records 3 to 3 are missing/);
  });

  it('detects a segment whose first record does not match its name, and overlapping segments', async () => {
    await writeSegment(1, [2, 3]);
    expect((await failedRecovery()).message).toMatch(/expected record 1 but found record 2/);
    await rm(join(stores.dir, segmentFileName(1)));
    await writeSegment(1, [1, 2, 3]);
    await writeSegment(3, [3, 4]);
    expect((await failedRecovery()).message).toMatch(
      /starts at record 3 but the previous one ends at record 3/,
    );
  });

  it('detects a gap between the snapshot and the log, and a log with no start', async () => {
    await writeSegment(3, [3, 4]);
    expect((await failedRecovery()).message).toMatch(/there is no snapshot: records 1 to 2 are missing/);
    await writeSnapshotFile(stores.dir, 1, chunksOf(1));
    expect((await failedRecovery()).message).toMatch(
      /the snapshot ends at record 1: records 2 to 2 are missing/,
    );
  });

  it('refuses a snapshot with a flipped byte, a cut, a wrong name or foreign content, changing nothing', async () => {
    const snapshotPath = await writeSnapshotFile(stores.dir, 10, chunksOf(10));
    await writeSegment(1, range(1, 12));
    const good = await readFile(snapshotPath);

    const flipped = Buffer.from(good);
    flipped[200] = (flipped[200] ?? 0) ^ 0x01;
    await writeFile(snapshotPath, flipped);
    const before = await dirContents();
    let error = await failedRecovery();
    expect(error.file).toBe(snapshotPath);
    expect(error.message).toMatch(/checksum mismatch/);
    expect(await dirContents()).toEqual(before);

    // A snapshot is renamed into place complete, so a short one is corruption, not a torn tail.
    for (const cut of [0, 5, good.length - 1, good.length - 30]) {
      await writeFile(snapshotPath, good.subarray(0, cut));
      error = await failedRecovery();
      expect(error.file).toBe(snapshotPath);
      expect(error.message).toMatch(/^corrupt snapshot in /);
    }

    await writeFile(snapshotPath, Buffer.concat([good, encodeFrame(5, Buffer.from('extra'))]));
    expect((await failedRecovery()).message).toMatch(/unexpected data after the footer/);

    await writeFile(snapshotPath, encodeFrame(0, Buffer.from('{"magic":"something else"}')));
    expect((await failedRecovery()).message).toMatch(/not a snapshot file header/);

    await rm(snapshotPath);
    const misnamed = join(stores.dir, snapshotFileName(11));
    await writeFile(misnamed, good);
    error = await failedRecovery();
    expect(error.file).toBe(misnamed);
    expect(error.message).toMatch(/the header says seq 10 but the file name says 11/);
    expect(await filesInDir()).toEqual([segmentFileName(1), snapshotFileName(11)]);
  });
});

describe('Store crash between snapshot steps', () => {
  beforeEach(async () => {
    await mkdir(stores.dir, { recursive: true });
  });

  it('after the new segment was started but before the snapshot was renamed into place', async () => {
    await writeSegment(1, range(1, 10));
    await writeSegment(11, [11, 12]);
    const leftover = `${snapshotFileName(10)}.tmp-0123456789abcdef`;
    await writeFile(join(stores.dir, leftover), 'half a snapshot');
    const recovered = await recoverStore();
    expect(recovered.records).toEqual(range(1, 12));
    expect(recovered.result).toEqual({ lastSeq: 12, snapshotSeq: 0, recordsReplayed: 12 });
    expect(await filesInDir()).toEqual([segmentFileName(1), segmentFileName(11)]);
    await recovered.store.append(13, payload(13));
    await closeStore(recovered.store);
    expect((await recoverStore()).records).toEqual(range(1, 13));
  });

  it('after the snapshot was renamed into place but before old files were removed', async () => {
    await writeSnapshotFile(stores.dir, 5, chunksOf(5));
    await writeSegment(1, range(1, 10));
    await writeSnapshotFile(stores.dir, 10, chunksOf(10));
    await writeSegment(11, [11, 12]);
    const recovered = await recoverStore();
    expect(recovered.snapshotStarts).toEqual([10]);
    expect(recovered.chunks).toEqual(chunksOf(10));
    expect(recovered.records).toEqual([11, 12]);
    // The covered segment stays until the next snapshot, whose compaction knows what to retain.
    expect(await filesInDir()).toEqual([segmentFileName(1), segmentFileName(11), snapshotFileName(10)]);
    expect(recovered.store.holdsCoveredRecords).toBe(true);
    await recovered.store.writeSnapshot(12, chunksOf(12));
    expect(await filesInDir()).toEqual([snapshotFileName(12)]);
    expect(recovered.store.holdsCoveredRecords).toBe(false);
  });

  it('when the snapshot covers part of a segment', async () => {
    await writeSnapshotFile(stores.dir, 5, chunksOf(5));
    await writeSegment(1, range(1, 8));
    const recovered = await recoverStore();
    expect(recovered.records).toEqual([6, 7, 8]);
    expect(recovered.result).toEqual({ lastSeq: 8, snapshotSeq: 5, recordsReplayed: 3 });
    expect(recovered.store.bytesSinceSnapshot).toBe(
      range(6, 8).reduce((sum, seq) => sum + encodeFrame(seq, payload(seq)).length, 0),
    );
    await recovered.store.append(9, payload(9));
    await recovered.store.writeSnapshot(9, chunksOf(9));
    expect(await filesInDir()).toEqual([snapshotFileName(9)]);
  });

  it('when the snapshot covers every segment', async () => {
    await writeSegment(1, range(1, 4));
    await writeSegment(5, range(5, 10));
    await writeSnapshotFile(stores.dir, 10, chunksOf(10));
    const recovered = await recoverStore();
    expect(recovered.records).toEqual([]);
    expect(recovered.result.lastSeq).toBe(10);
    expect(await filesInDir()).toEqual([segmentFileName(1), segmentFileName(5), snapshotFileName(10)]);
    await recovered.store.append(11, payload(11));
    expect(await filesInDir()).toEqual([
      segmentFileName(1),
      segmentFileName(5),
      segmentFileName(11),
      snapshotFileName(10),
    ]);
    await recovered.store.writeSnapshot(11, chunksOf(11));
    expect(await filesInDir()).toEqual([snapshotFileName(11)]);
  });

  it('reads several segments, skipping those the snapshot covers', async () => {
    await writeSegment(1, range(1, 3));
    await writeSegment(4, range(4, 6));
    await writeSegment(7, range(7, 9));
    expect((await recoverStore()).records).toEqual(range(1, 9));
    await closeAll();

    await writeSnapshotFile(stores.dir, 4, chunksOf(4));
    // Damage in a fully covered segment does not matter: it is not read, and the next snapshot removes it.
    await writeFile(join(stores.dir, segmentFileName(1)), 'garbage');
    const recovered = await recoverStore();
    expect(recovered.records).toEqual(range(5, 9));
    await recovered.store.writeSnapshot(9, chunksOf(9));
    expect(await filesInDir()).toEqual([snapshotFileName(9)]);
  });
});
