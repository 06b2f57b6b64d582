/**
 * The store APIs that replication uses: reading the log and the newest
 * snapshot on the primary, and installing a snapshot or emptying the store on
 * the backup, including the directory states a crash can leave behind.
 */
import { appendFile, mkdir, readFile, rename, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { limits } from '../../core/protocol/limits.ts';
import { segmentFileName } from '../../core/store/segmented-log.ts';
import {
  installSnapshotFileName,
  partialSnapshotFileName,
  SnapshotFileWriter,
  snapshotFileName,
  writeSnapshotFile,
} from '../../core/store/snapshot-file.ts';
import {
  CompactedError,
  CorruptStoreError,
  resetMarkerFileName,
  StorageFailedError,
  Store,
} from '../../core/store/store.ts';
import { appendAll, payload, range, useStoreDirectory } from '../support/store-fixtures.ts';

const stores = useStoreDirectory('evote-store-replication-test-', { ignoreCloseErrors: true });
const { openStore, recoverStore, closeStore, closeAll, reopen, writeSegment, filesInDir } = stores;

/** The primary's state after `seq`, as chunks. */
const chunksOf = (seq: number) => [
  Buffer.from(`state after ${seq}`),
  Buffer.alloc(3000, seq % 256),
  Buffer.alloc(0),
  Buffer.from(`end of ${seq}`),
];
/** Content a backup receives, distinct from anything it holds itself. */
const receivedChunks = (seq: number) => [
  Buffer.from(`received state after ${seq}`),
  Buffer.alloc(5000, (seq * 7) % 256),
  Buffer.from('last'),
];

async function readAll(
  store: Store,
  fromSeq: number,
  toSeq?: number,
): Promise<{ seqs: number[]; lastSeq: number }> {
  const seqs: number[] = [];
  const { lastSeq } = await store.readRecords(
    fromSeq,
    (seq, bytes) => {
      expect(Buffer.from(bytes)).toEqual(payload(seq));
      seqs.push(seq);
    },
    toSeq === undefined ? {} : { toSeq },
  );
  return { seqs, lastSeq };
}

async function snapshotChunks(store: Store, seq: number, fromChunk = 0) {
  const seen: { index: number; count: number; chunk: Buffer }[] = [];
  await store.readSnapshotChunks(seq, fromChunk, (index, count, chunk) => {
    seen.push({ index, count, chunk: Buffer.from(chunk) });
  });
  return seen;
}

/** A promise with its resolver, to hold a reader at a chosen point. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** Waits until `condition` holds, turning the event loop meanwhile. */
async function until(condition: () => boolean): Promise<void> {
  for (let turn = 0; !condition(); turn++) {
    if (turn > 2000) throw new Error('condition never held');
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => new Error('expected a rejection'),
    (reason: unknown) => reason,
  );
}

describe('Store.lastSeq', () => {
  it('is 0 before recovery and on an empty store, then the durable seq', async () => {
    const { store } = await openStore();
    expect(store.lastSeq).toBe(0);
    await store.recover(
      () => undefined,
      () => undefined,
    );
    expect(store.lastSeq).toBe(0);
    const pending = store.append(1, payload(1));
    expect(store.lastSeq).toBe(0);
    await pending;
    expect(store.lastSeq).toBe(1);
  });
});

describe('Store.readRecords', () => {
  it('reads across several segments, from any seq, up to toSeq, and only what is durable', async () => {
    await mkdir(stores.dir, { recursive: true });
    await writeSegment(1, range(1, 10));
    await writeSegment(11, range(11, 20));
    const { store } = await recoverStore();
    await appendAll(store, range(21, 25));
    expect(await filesInDir()).toEqual([segmentFileName(1), segmentFileName(11)]);

    expect(await readAll(store, 1)).toEqual({ seqs: range(1, 25), lastSeq: 25 });
    expect(await readAll(store, 7)).toEqual({ seqs: range(7, 25), lastSeq: 25 });
    expect(await readAll(store, 11, 13)).toEqual({ seqs: range(11, 13), lastSeq: 13 });
    expect(await readAll(store, 9, 12)).toEqual({ seqs: range(9, 12), lastSeq: 12 });
    // toSeq is capped at the durable seq; past it there is nothing to read.
    expect(await readAll(store, 24, 1000)).toEqual({ seqs: [24, 25], lastSeq: 25 });
    expect(await readAll(store, 26)).toEqual({ seqs: [], lastSeq: 25 });
    expect(await readAll(store, 40)).toEqual({ seqs: [], lastSeq: 39 });
    await expect(readAll(store, 0)).rejects.toThrow(RangeError);
  });

  it('rejects with CompactedError for records only a snapshot holds, and reads on after it', async () => {
    const { store } = await recoverStore();
    await expect(readAll(store, 1)).resolves.toEqual({ seqs: [], lastSeq: 0 });
    await appendAll(store, range(1, 10));
    await store.writeSnapshot(10, chunksOf(10));
    const error = await rejection(readAll(store, 5));
    expect(error).toBeInstanceOf(CompactedError);
    expect((error as Error).message).toMatch(/record 5 is no longer in the log/);
    // Nothing after the snapshot yet: nothing to send, which is not an error.
    expect(await readAll(store, 11)).toEqual({ seqs: [], lastSeq: 10 });
    await appendAll(store, range(11, 14));
    expect(await readAll(store, 11)).toEqual({ seqs: range(11, 14), lastSeq: 14 });
    await expect(readAll(store, 10)).rejects.toBeInstanceOf(CompactedError);
  });

  it('keeps the segments holding records from the retained seq past snapshots, across a restart, until released', async () => {
    const { store } = await recoverStore();
    await appendAll(store, range(1, 10));
    await store.writeSnapshot(10, chunksOf(10));
    store.retainFrom(13);
    await appendAll(store, range(11, 20));
    await store.writeSnapshot(20, chunksOf(20));
    await appendAll(store, range(21, 25));
    await store.writeSnapshot(25, chunksOf(25));
    // The segment of 11…20 holds 13: it stays, whole; the snapshots before 25 go.
    expect(await readAll(store, 11)).toEqual({ seqs: range(11, 25), lastSeq: 25 });
    await expect(readAll(store, 10)).rejects.toBeInstanceOf(CompactedError);
    expect(await store.firstLogSeq()).toBe(11);

    // After a restart, recovery replays from the newest snapshot only; the retained records are still read.
    const recovered = await reopen(store);
    expect(recovered.records).toEqual([]);
    expect(await readAll(recovered.store, 13)).toEqual({ seqs: range(13, 25), lastSeq: 25 });
    expect(await recovered.store.firstLogSeq()).toBe(11);

    // Released: the next snapshot removes every covered record.
    recovered.store.retainFrom(null);
    await appendAll(recovered.store, range(26, 27));
    await recovered.store.writeSnapshot(27, chunksOf(27));
    await expect(readAll(recovered.store, 26)).rejects.toBeInstanceOf(CompactedError);
    expect(await recovered.store.firstLogSeq()).toBe(28);
  });

  it('reads a segment the snapshot covers in part, after a restart', async () => {
    await mkdir(stores.dir, { recursive: true });
    await writeSnapshotFile(stores.dir, 5, chunksOf(5));
    await writeSegment(1, range(1, 8));
    const { store } = await recoverStore();
    expect(await readAll(store, 3)).toEqual({ seqs: range(3, 8), lastSeq: 8 });
  });

  it('stops at the durable seq of the call while appends go on, and never sees a half-written record', async () => {
    const { store } = await recoverStore();
    await appendAll(store, range(1, 200));
    let nextSeq = 201;
    const appending = { on: true };
    const appender = (async () => {
      while (appending.on) {
        const group = range(nextSeq, nextSeq + 19);
        nextSeq += 20;
        await appendAll(store, group);
      }
    })();
    const reads: { seqs: number[]; lastSeq: number }[] = [];
    for (let round = 0; round < 10; round++) {
      const durableAtCall = store.lastSeq;
      const seqs: number[] = [];
      const result = await store.readRecords(1, async (seq, bytes) => {
        expect(Buffer.from(bytes)).toEqual(payload(seq));
        seqs.push(seq);
        if (seq % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
      });
      expect(result.lastSeq).toBe(durableAtCall);
      expect(seqs).toEqual(range(1, durableAtCall));
      reads.push({ seqs, lastSeq: result.lastSeq });
    }
    appending.on = false;
    await appender;
    expect(reads.at(-1)?.lastSeq).toBeGreaterThan(200);
    expect(await readAll(store, 1)).toEqual({ seqs: range(1, nextSeq - 1), lastSeq: nextSeq - 1 });
  });

  it('awaits onRecord before reading on (backpressure)', async () => {
    const { store } = await recoverStore();
    await appendAll(store, range(1, 5));
    let inCallback = 0;
    let maxInCallback = 0;
    const seen: number[] = [];
    await store.readRecords(1, async (seq) => {
      inCallback++;
      maxInCallback = Math.max(maxInCallback, inCallback);
      await new Promise((resolve) => setTimeout(resolve, 2));
      seen.push(seq);
      inCallback--;
    });
    expect(seen).toEqual(range(1, 5));
    expect(maxInCallback).toBe(1);
  });

  it('finishes a read across a snapshot that deletes the segments being read, with appends going on', async () => {
    await mkdir(stores.dir, { recursive: true });
    await writeSegment(1, range(1, 10));
    await writeSegment(11, range(11, 20));
    const { store } = await recoverStore();
    await appendAll(store, range(21, 30));
    const held = gate();
    const seqs: number[] = [];
    const reading = store.readRecords(1, async (seq) => {
      seqs.push(seq);
      if (seq === 3) await held.promise;
    });
    await until(() => seqs.length === 3);

    const appended = appendAll(store, range(31, 40));
    await appended;
    await store.writeSnapshot(40, chunksOf(40));
    await appendAll(store, range(41, 45));
    // Every segment the reader holds open is gone from the directory.
    expect(await filesInDir()).toEqual([segmentFileName(41), snapshotFileName(40)]);

    held.open();
    expect(await reading).toEqual({ lastSeq: 30 });
    expect(seqs).toEqual(range(1, 30));
    // A new read from where this one stopped finds those records compacted: the caller sends the snapshot.
    await expect(readAll(store, 31)).rejects.toBeInstanceOf(CompactedError);
    expect(await readAll(store, 41)).toEqual({ seqs: range(41, 45), lastSeq: 45 });
  });

  it('rejects with CompactedError when the whole content is replaced during the read', async () => {
    const { store } = await recoverStore();
    await appendAll(store, range(1, 10));
    const held = gate();
    const seqs: number[] = [];
    const reading = store.readRecords(1, async (seq) => {
      seqs.push(seq);
      if (seq === 2) await held.promise;
    });
    await until(() => seqs.length === 2);
    await store.reset();
    held.open();
    await expect(reading).rejects.toBeInstanceOf(CompactedError);
    expect(seqs).toEqual([1, 2]);
  });
});

describe('Store snapshot streaming', () => {
  it('names the newest snapshot and streams its chunks from any index', async () => {
    const { store } = await recoverStore();
    expect(store.latestSnapshot()).toBeNull();
    await appendAll(store, range(1, 10));
    await store.writeSnapshot(10, chunksOf(10));
    expect(store.latestSnapshot()).toEqual({ seq: 10, path: join(stores.dir, snapshotFileName(10)) });

    const all = await snapshotChunks(store, 10);
    expect(all.map(({ index, count }) => [index, count])).toEqual([
      [0, 4],
      [1, 4],
      [2, 4],
      [3, 4],
    ]);
    expect(all.map(({ chunk }) => chunk)).toEqual(chunksOf(10));
    const resumed = await snapshotChunks(store, 10, 2);
    expect(resumed.map(({ index }) => index)).toEqual([2, 3]);
    expect(resumed.map(({ chunk }) => chunk)).toEqual(chunksOf(10).slice(2));
    expect(await snapshotChunks(store, 10, 4)).toEqual([]);
    await expect(snapshotChunks(store, 10, 5)).rejects.toThrow(RangeError);

    await appendAll(store, [11]);
    await store.writeSnapshot(11, chunksOf(11));
    const error = await rejection(snapshotChunks(store, 10));
    expect(error).toBeInstanceOf(CompactedError);
    expect((error as Error).message).toMatch(/snapshot 10 is not the newest \(that is 11\)/);
    expect((await snapshotChunks(store, 11)).map(({ chunk }) => chunk)).toEqual(chunksOf(11));
  });

  it('knows the newest snapshot after a restart', async () => {
    const first = await recoverStore();
    await appendAll(first.store, range(1, 3));
    await first.store.writeSnapshot(3, chunksOf(3));
    const { store } = await reopen(first.store);
    expect(store.latestSnapshot()?.seq).toBe(3);
    expect((await snapshotChunks(store, 3)).map(({ chunk }) => chunk)).toEqual(chunksOf(3));
  });

  it('keeps a snapshot being read until its reader is done, although a newer one replaced it', async () => {
    const { store } = await recoverStore();
    await appendAll(store, range(1, 10));
    await store.writeSnapshot(10, chunksOf(10));
    const held = gate();
    const seen: number[] = [];
    const reading = store.readSnapshotChunks(10, 0, async (index) => {
      seen.push(index);
      if (index === 1) await held.promise;
    });
    await until(() => seen.length === 2);
    await appendAll(store, range(11, 12));
    await store.writeSnapshot(12, chunksOf(12));
    expect(await filesInDir()).toEqual([snapshotFileName(10), snapshotFileName(12)]);
    held.open();
    await reading;
    expect(seen).toEqual([0, 1, 2, 3]);
    expect(await filesInDir()).toEqual([snapshotFileName(12)]);
  });

  it('rejects with CompactedError when the content is replaced during the read', async () => {
    const { store } = await recoverStore();
    await appendAll(store, range(1, 10));
    await store.writeSnapshot(10, chunksOf(10));
    const held = gate();
    const seen: number[] = [];
    const reading = store.readSnapshotChunks(10, 0, async (index) => {
      seen.push(index);
      if (index === 0) await held.promise;
    });
    await until(() => seen.length === 1);
    await store.installSnapshot(20, receivedChunks(20));
    held.open();
    await expect(reading).rejects.toBeInstanceOf(CompactedError);
    expect(seen).toEqual([0]);
    expect(await filesInDir()).toEqual([snapshotFileName(20)]);
  });
});

describe('Store.installSnapshot', () => {
  it('on an empty store: the snapshot becomes the content and appends go on at seq + 1', async () => {
    const { store } = await recoverStore();
    await store.installSnapshot(10, receivedChunks(10));
    expect(store.lastSeq).toBe(10);
    expect(store.bytesSinceSnapshot).toBe(0);
    expect(store.latestSnapshot()?.seq).toBe(10);
    expect(await filesInDir()).toEqual([snapshotFileName(10)]);
    expect((await snapshotChunks(store, 10)).map(({ chunk }) => chunk)).toEqual(receivedChunks(10));
    await expect(store.append(12, payload(12))).rejects.toThrow(/expected seq 11, got 12/);
    await appendAll(store, [11, 12]);

    const recovered = await reopen(store);
    expect(recovered.snapshotStarts).toEqual([10]);
    expect(recovered.chunks).toEqual(receivedChunks(10));
    expect(recovered.records).toEqual([11, 12]);
    expect(recovered.result).toEqual({ lastSeq: 12, snapshotSeq: 10, recordsReplayed: 2 });
  });

  it('on a store that holds more (records past the snapshot, a newer snapshot): exactly the snapshot', async () => {
    const { store } = await recoverStore();
    await appendAll(store, range(1, 20));
    await store.writeSnapshot(20, chunksOf(20));
    await appendAll(store, range(21, 30));
    await store.installSnapshot(15, receivedChunks(15));
    expect(store.lastSeq).toBe(15);
    expect(await filesInDir()).toEqual([snapshotFileName(15)]);
    await expect(store.append(31, payload(31))).rejects.toThrow(/expected seq 16/);
    await store.append(16, payload(16));

    const recovered = await reopen(store);
    expect(recovered.snapshotStarts).toEqual([15]);
    expect(recovered.chunks).toEqual(receivedChunks(15));
    expect(recovered.records).toEqual([16]);
    expect(recovered.result.lastSeq).toBe(16);
  });

  it('replaces a snapshot of the same seq, takes chunks from an async iterable, and can be repeated', async () => {
    const { store } = await recoverStore();
    await appendAll(store, range(1, 5));
    await store.writeSnapshot(5, chunksOf(5));
    async function* produce(): AsyncGenerator<Uint8Array> {
      for (const chunk of receivedChunks(5)) {
        await new Promise((resolve) => setImmediate(resolve));
        yield chunk;
      }
    }
    await store.installSnapshot(5, produce());
    await store.installSnapshot(8, receivedChunks(8));
    await store.installSnapshot(8, []);
    expect(await filesInDir()).toEqual([snapshotFileName(8)]);
    const recovered = await reopen(store);
    expect(recovered.snapshotStarts).toEqual([8]);
    expect(recovered.chunks).toEqual([]);
    expect(recovered.result.lastSeq).toBe(8);
  });

  it('refuses while an append is pending, and leaves the old content after a failure before the commit', async () => {
    const { store } = await recoverStore();
    await appendAll(store, range(1, 3));
    const pending = store.append(4, payload(4));
    await expect(store.installSnapshot(10, receivedChunks(10))).rejects.toThrow(/appends are pending/);
    await expect(store.reset()).rejects.toThrow(/appends are pending/);
    await pending;

    const tooBig = [Buffer.from('fine'), new Uint8Array(limits.storeRecordBytesMax + 1)];
    await expect(store.installSnapshot(10, tooBig)).rejects.toThrow(RangeError);
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield Buffer.from('first');
      await new Promise((resolve) => setImmediate(resolve));
      throw new Error('the link broke');
    }
    await expect(store.installSnapshot(10, failing())).rejects.toThrow('the link broke');
    expect(await filesInDir()).toEqual([segmentFileName(1)]);
    expect(store.lastSeq).toBe(4);
    await store.append(5, payload(5));
    expect((await reopen(store)).records).toEqual(range(1, 5));
  });

  it('refuses everything after a failure past the commit point, and recovery finishes the install', async () => {
    const { store } = await recoverStore();
    await appendAll(store, range(1, 3));
    // A directory with a segment's name cannot be unlinked: the clean-up after the commit point fails.
    const blocker = join(stores.dir, segmentFileName(2));
    await mkdir(blocker);
    const error = await rejection(store.installSnapshot(10, receivedChunks(10)));
    expect(error).toBeInstanceOf(StorageFailedError);
    await expect(store.append(4, payload(4))).rejects.toBe(error);
    await expect(store.append(11, payload(11))).rejects.toBe(error);
    await expect(store.reset()).rejects.toBe(error);
    expect(await filesInDir()).toContain(installSnapshotFileName(10));

    await rm(blocker, { recursive: true });
    const recovered = await reopen(store);
    expect(recovered.snapshotStarts).toEqual([10]);
    expect(recovered.chunks).toEqual(receivedChunks(10));
    expect(recovered.records).toEqual([]);
    expect(await filesInDir()).toEqual([snapshotFileName(10)]);
  });
});

describe('Store.beginSnapshotInstall (resumable)', () => {
  it('resumes a transfer broken off by a crash, from the chunks already written', async () => {
    const first = await recoverStore();
    await appendAll(first.store, range(1, 4));
    const chunks = receivedChunks(30);
    const install = await first.store.beginSnapshotInstall(30, chunks.length);
    expect(install.receivedChunks).toBe(0);
    await install.write(0, chunks[0] ?? Buffer.alloc(0));
    await install.write(1, chunks[1] ?? Buffer.alloc(0));
    expect(install.receivedChunks).toBe(2);

    // "Crash": the object is dropped without commit and the station restarts.
    const second = await reopen(first.store);
    expect(second.records).toEqual(range(1, 4));
    expect(second.snapshotStarts).toEqual([]);
    expect(await filesInDir()).toEqual([segmentFileName(1), partialSnapshotFileName(30)]);
    expect(await second.store.partialSnapshot()).toEqual({ seq: 30, count: 3, receivedChunks: 2 });

    const resumed = await second.store.beginSnapshotInstall(30, chunks.length);
    expect(resumed.receivedChunks).toBe(2);
    // A chunk sent again is one already held.
    await resumed.write(1, Buffer.from('ignored'));
    await expect(resumed.commit()).rejects.toThrow(/2 of 3 chunks arrived/);
    await resumed.write(2, chunks[2] ?? Buffer.alloc(0));
    await resumed.commit();
    expect(second.store.lastSeq).toBe(30);
    expect(await filesInDir()).toEqual([snapshotFileName(30)]);
    expect(await second.store.partialSnapshot()).toBeNull();
    await expect(resumed.write(0, Buffer.from('late'))).rejects.toThrow(/already installed/);
    await second.store.append(31, payload(31));

    const third = await reopen(second.store);
    expect(third.snapshotStarts).toEqual([30]);
    expect(third.chunks).toEqual(chunks);
    expect(third.records).toEqual([31]);
  });

  it('resumes within the same run; the earlier object stops working', async () => {
    const { store } = await recoverStore();
    const chunks = receivedChunks(7);
    const first = await store.beginSnapshotInstall(7, chunks.length);
    await first.write(0, chunks[0] ?? Buffer.alloc(0));
    const second = await store.beginSnapshotInstall(7, chunks.length);
    expect(second.receivedChunks).toBe(1);
    await expect(first.write(1, chunks[1] ?? Buffer.alloc(0))).rejects.toThrow(/taken over by a newer one/);
    await expect(second.write(2, Buffer.from('gap'))).rejects.toThrow(
      /chunk 2 arrived but chunk 1 comes next/,
    );
    await expect(second.write(3, Buffer.from('past the end'))).rejects.toThrow(RangeError);
    await second.write(1, chunks[1] ?? Buffer.alloc(0));
    await second.abandon();
    await expect(second.write(2, chunks[2] ?? Buffer.alloc(0))).rejects.toThrow(/closed/);
    const third = await store.beginSnapshotInstall(7, chunks.length);
    expect(third.receivedChunks).toBe(2);
    await third.write(2, chunks[2] ?? Buffer.alloc(0));
    await third.commit();
    expect((await reopen(store)).chunks).toEqual(chunks);
  });

  it('keeps the intact chunks of a partial file cut or damaged by a crash', async () => {
    const { store } = await recoverStore();
    const chunks = receivedChunks(9);
    const install = await store.beginSnapshotInstall(9, chunks.length);
    await install.write(0, chunks[0] ?? Buffer.alloc(0));
    await install.write(1, chunks[1] ?? Buffer.alloc(0));
    await install.abandon();
    const path = join(stores.dir, partialSnapshotFileName(9));
    const intactBytes = (await stat(path)).size;

    // The second chunk torn in the middle.
    await truncate(path, intactBytes - 100);
    let resumed = await store.beginSnapshotInstall(9, chunks.length);
    expect(resumed.receivedChunks).toBe(1);
    await resumed.write(1, chunks[1] ?? Buffer.alloc(0));
    await resumed.abandon();
    expect((await stat(path)).size).toBe(intactBytes);

    // Garbage after the last intact chunk.
    await appendFile(path, Buffer.from('not a frame at all, but long enough to look like one'));
    resumed = await store.beginSnapshotInstall(9, chunks.length);
    expect(resumed.receivedChunks).toBe(2);
    await resumed.write(2, chunks[2] ?? Buffer.alloc(0));
    await resumed.commit();
    expect((await reopen(store)).chunks).toEqual(chunks);
  });

  it('starts afresh for another seq or count, removing other partial files', async () => {
    const { store } = await recoverStore();
    const first = await store.beginSnapshotInstall(9, 3);
    await first.write(0, Buffer.from('a'));
    const otherCount = await store.beginSnapshotInstall(9, 4);
    expect(otherCount.receivedChunks).toBe(0);
    await otherCount.write(0, Buffer.from('b'));
    const otherSeq = await store.beginSnapshotInstall(12, 1);
    expect(otherSeq.receivedChunks).toBe(0);
    expect(await filesInDir()).toEqual([partialSnapshotFileName(12)]);
    await otherSeq.write(0, Buffer.from('c'));
    await otherSeq.commit();
    expect((await reopen(store)).chunks).toEqual([Buffer.from('c')]);
  });

  it('replaces a non-empty store on commit, and installs a snapshot of zero chunks', async () => {
    const { store } = await recoverStore();
    await appendAll(store, range(1, 6));
    await store.writeSnapshot(6, chunksOf(6));
    await appendAll(store, range(7, 9));
    const install = await store.beginSnapshotInstall(3, 0);
    await install.commit();
    expect(store.lastSeq).toBe(3);
    expect(await filesInDir()).toEqual([snapshotFileName(3)]);
    await store.append(4, payload(4));
    const recovered = await reopen(store);
    expect(recovered.snapshotStarts).toEqual([3]);
    expect(recovered.records).toEqual([4]);
  });
});

describe('Store.reset', () => {
  it('empties the store (keeping a partial snapshot), so that recovery finds nothing and appends start at 1', async () => {
    const { store } = await recoverStore();
    await appendAll(store, range(1, 10));
    await store.writeSnapshot(10, chunksOf(10));
    await appendAll(store, range(11, 12));
    const install = await store.beginSnapshotInstall(40, 2);
    await install.write(0, Buffer.from('kept'));
    await store.reset();
    expect(store.lastSeq).toBe(0);
    expect(store.latestSnapshot()).toBeNull();
    expect(store.bytesSinceSnapshot).toBe(0);
    expect(await filesInDir()).toEqual([partialSnapshotFileName(40)]);
    await expect(readAll(store, 1)).resolves.toEqual({ seqs: [], lastSeq: 0 });
    // The transfer in progress goes on across the reset.
    await install.write(1, Buffer.from('too'));

    const recovered = await reopen(store);
    expect(recovered.result).toEqual({ lastSeq: 0, snapshotSeq: 0, recordsReplayed: 0 });
    expect(await recovered.store.partialSnapshot()).toEqual({ seq: 40, count: 2, receivedChunks: 2 });
    await recovered.store.append(1, payload(1));
    expect((await reopen(recovered.store)).records).toEqual([1]);
  });
});

/**
 * The directory states a crash can leave at each step of an install or a
 * reset, built by hand, and what recovery makes of each: the old content or
 * exactly the new one.
 */
describe('Store crash points of install and reset', () => {
  const newSeq = 15;

  /** The backup's old content: a snapshot at 10, a segment it covers in part, and one after it. */
  async function writeOldContent(): Promise<void> {
    await mkdir(stores.dir, { recursive: true });
    await writeSnapshotFile(stores.dir, 10, chunksOf(10));
    await writeSegment(1, range(1, 12));
    await writeSegment(13, range(13, 20));
  }
  const oldFiles = [segmentFileName(1), segmentFileName(13), snapshotFileName(10)];

  async function expectOldContent(): Promise<Store> {
    const recovered = await recoverStore();
    expect(recovered.snapshotStarts).toEqual([10]);
    expect(recovered.chunks).toEqual(chunksOf(10));
    expect(recovered.records).toEqual(range(11, 20));
    expect(recovered.result.lastSeq).toBe(20);
    return recovered.store;
  }

  async function expectNewContent(): Promise<void> {
    const recovered = await recoverStore();
    expect(recovered.snapshotStarts).toEqual([newSeq]);
    expect(recovered.chunks).toEqual(receivedChunks(newSeq));
    expect(recovered.records).toEqual([]);
    expect(recovered.result).toEqual({ lastSeq: newSeq, snapshotSeq: newSeq, recordsReplayed: 0 });
    expect(await filesInDir()).toEqual([snapshotFileName(newSeq)]);
    await recovered.store.append(newSeq + 1, payload(newSeq + 1));
    await expect(recovered.store.append(21, payload(21))).rejects.toThrow(/out of order/);
    await closeStore(recovered.store);
    expect((await recoverStore()).records).toEqual([newSeq + 1]);
  }

  async function expectEmpty(): Promise<void> {
    const recovered = await recoverStore();
    expect(recovered.result).toEqual({ lastSeq: 0, snapshotSeq: 0, recordsReplayed: 0 });
    expect(recovered.snapshotStarts).toEqual([]);
    await recovered.store.append(1, payload(1));
  }

  /** The complete received snapshot under the name of the given step. */
  async function writeReceived(name: string): Promise<void> {
    const staging = join(stores.scratch, 'staging');
    await mkdir(staging, { recursive: true });
    await rename(await writeSnapshotFile(staging, newSeq, receivedChunks(newSeq)), join(stores.dir, name));
  }

  it('1. partial snapshot half received: the old content, the partial kept for resuming', async () => {
    await writeOldContent();
    const writer = await SnapshotFileWriter.create(
      join(stores.dir, partialSnapshotFileName(newSeq)),
      newSeq,
      3,
    );
    await writer.write(receivedChunks(newSeq)[0] ?? Buffer.alloc(0));
    await writer.close();
    const store = await expectOldContent();
    expect(await filesInDir()).toEqual([...oldFiles, partialSnapshotFileName(newSeq)].sort());
    expect(await store.partialSnapshot()).toEqual({ seq: newSeq, count: 3, receivedChunks: 1 });
  });

  it('2. partial snapshot complete and flushed, not yet renamed: the old content', async () => {
    await writeOldContent();
    await writeReceived(partialSnapshotFileName(newSeq));
    await expectOldContent();
  });

  it('3. renamed to .install (the commit point), nothing deleted yet: exactly the new snapshot', async () => {
    await writeOldContent();
    await writeReceived(installSnapshotFileName(newSeq));
    await expectNewContent();
  });

  it('3b. the same with an old snapshot newer than the new one, and old partial files', async () => {
    await writeOldContent();
    await writeSnapshotFile(stores.dir, 20, chunksOf(20));
    await writeFile(join(stores.dir, partialSnapshotFileName(99)), 'an older transfer');
    await writeReceived(installSnapshotFileName(newSeq));
    await expectNewContent();
  });

  it('4. old files deleted in part: exactly the new snapshot', async () => {
    await writeOldContent();
    await writeReceived(installSnapshotFileName(newSeq));
    // Without the .install name, this state (a log starting at 13, no snapshot) would be refused.
    await rm(join(stores.dir, segmentFileName(1)));
    await rm(join(stores.dir, snapshotFileName(10)));
    await expectNewContent();
  });

  it('5. old files all deleted, not yet renamed to .evsnap: exactly the new snapshot', async () => {
    await mkdir(stores.dir, { recursive: true });
    await writeReceived(installSnapshotFileName(newSeq));
    await expectNewContent();
  });

  it('6. renamed to .evsnap: exactly the new snapshot', async () => {
    await mkdir(stores.dir, { recursive: true });
    await writeReceived(snapshotFileName(newSeq));
    await expectNewContent();
  });

  it('a damaged .install file stops start-up before anything is deleted', async () => {
    await writeOldContent();
    await writeReceived(installSnapshotFileName(newSeq));
    const path = join(stores.dir, installSnapshotFileName(newSeq));
    const bytes = await readFile(path);
    await writeFile(path, bytes.subarray(0, bytes.length - 5));
    const before = await filesInDir();
    const error = await rejection(recoverStore());
    expect(error).toBeInstanceOf(CorruptStoreError);
    expect((error as CorruptStoreError).file).toBe(path);
    expect(await filesInDir()).toEqual(before);
  });

  it('reset 1. before the marker: the old content', async () => {
    await writeOldContent();
    await expectOldContent();
  });

  it('reset 2. marker created (the commit point), nothing deleted: empty', async () => {
    await writeOldContent();
    await writeFile(join(stores.dir, resetMarkerFileName), '');
    await expectEmpty();
    expect(await filesInDir()).toEqual([segmentFileName(1)]);
  });

  it('reset 3. marker and old files deleted in part: empty, never the part left', async () => {
    // Alone, a log starting at 13 would be refused (records 11 and 12 missing); log 1 alone is a prefix.
    for (const deleted of [
      [snapshotFileName(10)],
      [snapshotFileName(10), segmentFileName(1)],
      [segmentFileName(13)],
    ]) {
      await rm(stores.dir, { recursive: true, force: true });
      await writeOldContent();
      await writeFile(join(stores.dir, resetMarkerFileName), '');
      for (const name of deleted) await rm(join(stores.dir, name));
      await expectEmpty();
      expect(await filesInDir()).toEqual([segmentFileName(1)]);
      await closeAll();
    }
  });

  it('reset 4. everything deleted but the marker: empty, and a partial snapshot and an .install are handled', async () => {
    await mkdir(stores.dir, { recursive: true });
    await writeFile(join(stores.dir, resetMarkerFileName), '');
    await writeReceived(installSnapshotFileName(newSeq));
    const writer = await SnapshotFileWriter.create(join(stores.dir, partialSnapshotFileName(50)), 50, 2);
    await writer.write(Buffer.from('part'));
    await writer.close();
    await expectEmpty();
    expect(await filesInDir()).toEqual([segmentFileName(1), partialSnapshotFileName(50)]);
  });
});
