/**
 * A real full disk: a 256 KiB tmpfs mounted for this test (needs root, or at
 * least the right to mount). Skipped, saying why, where mounting is refused.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { createMemoryLogger } from '../../core/logging/logger.ts';
import { encodeFrame } from '../../core/store/record-frame.ts';
import { segmentFileName } from '../../core/store/segmented-log.ts';
import { StorageFullError, Store } from '../../core/store/store.ts';

const mountPoint = await mkdtemp(join(tmpdir(), 'evote-full-disk-'));
let skipReason: string | null = null;
try {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mountPoint], { stdio: 'pipe' });
} catch (error) {
  skipReason = `mounting a tmpfs is not permitted here (${String(error).split('\n')[0] ?? ''})`;
}

/** Stores to close before unmounting: open files would keep the mount busy. */
const opened: Store[] = [];

afterAll(async () => {
  try {
    await Promise.all(opened.map((store) => store.close().catch(() => undefined)));
    if (skipReason === null) execFileSync('umount', [mountPoint], { stdio: 'pipe' });
  } finally {
    await rm(mountPoint, { recursive: true, force: true });
  }
});

const payload = (seq: number) =>
  Buffer.concat([Buffer.from(`command ${seq};`), Buffer.alloc(1000, seq % 251)]);
const frameBytes = (seq: number) => encodeFrame(seq, payload(seq)).length;

async function recoveredSeqs(dir: string) {
  const logger = createMemoryLogger();
  const store = await Store.open(dir, { logger });
  opened.push(store);
  const seqs: number[] = [];
  const result = await store.recover(
    () => undefined,
    (seq, bytes) => {
      expect(Buffer.from(bytes).equals(payload(seq))).toBe(true);
      seqs.push(seq);
    },
  );
  return { store, seqs, result, logger };
}

const title =
  'a full disk rejects appends cleanly, keeps exactly the acknowledged records, and recovers when space is freed';

it.skipIf(skipReason !== null)(
  skipReason === null ? title : `${title} [skipped: ${skipReason}]`,
  async () => {
    const dir = join(mountPoint, 'data');
    const filler = join(mountPoint, 'filler');
    await writeFile(filler, Buffer.alloc(128 * 1024, 1));

    const logger = createMemoryLogger();
    const store = await Store.open(dir, { logger });
    opened.push(store);
    await store.recover(
      () => undefined,
      () => undefined,
    );

    // Append in concurrent groups, as the station does, until the disk is full.
    const acknowledged: number[] = [];
    let fullError: StorageFullError | null = null;
    let nextSeq = 1;
    while (fullError === null) {
      const group = Array.from({ length: 8 }, (_, index) => nextSeq + index);
      const results = await Promise.all(
        group.map((seq) =>
          store.append(seq, payload(seq)).then(
            () => null,
            (error: unknown) => error,
          ),
        ),
      );
      const firstFailed = results.findIndex((result) => result !== null);
      // Durable in order: the outcomes are successes, then failures only.
      if (firstFailed >= 0)
        expect(results.slice(firstFailed).every((result) => result instanceof StorageFullError)).toBe(true);
      const succeeded = firstFailed < 0 ? group : group.slice(0, firstFailed);
      acknowledged.push(...succeeded);
      if (firstFailed >= 0) fullError = results[firstFailed] as StorageFullError;
      // The caller undoes the failed ones, so the next append reuses the first failed seq.
      nextSeq += succeeded.length;
      expect(nextSeq).toBeLessThan(1000);
    }
    expect(fullError.message).toBe(
      "the station's disk is full: the change was not recorded and nothing was changed. Free disk space, then try again.",
    );
    expect(acknowledged.length).toBeGreaterThan(10);
    const segmentPath = join(dir, segmentFileName(1));
    const durableBytes = acknowledged.reduce((sum, seq) => sum + frameBytes(seq), 0);
    expect((await stat(segmentPath)).size).toBe(durableBytes);
    expect(
      logger.entries.some((entry) => entry.event === 'store-write-failed' && entry.level === 'warn'),
    ).toBe(true);

    // A snapshot cannot be written either: it fails cleanly and nothing is lost.
    const lastAcknowledged = nextSeq - 1;
    const snapshotChunks = [Buffer.alloc(60 * 1024, 7), Buffer.alloc(40 * 1024, 8)];
    await expect(store.writeSnapshot(lastAcknowledged, snapshotChunks)).rejects.toMatchObject({
      code: 'ENOSPC',
    });
    expect(logger.entries.some((entry) => entry.event === 'store-snapshot-failed')).toBe(true);
    // No temporary file is left behind, and the log is intact.
    expect(await readdir(dir)).toEqual([segmentFileName(1)]);
    expect((await stat(segmentPath)).size).toBe(durableBytes);
    // The log switched to a new segment. Whether one more record fits depends on
    // how full the last page is (a failed batch may have been larger than one record).
    const extra = await store.append(nextSeq, payload(nextSeq)).then(
      () => null,
      (error: unknown) => error,
    );
    if (extra === null) acknowledged.push(nextSeq++);
    else expect(extra).toBeInstanceOf(StorageFullError);
    await store.close();

    const afterCrash = await recoveredSeqs(dir);
    expect(afterCrash.seqs).toEqual(acknowledged);
    expect(afterCrash.result.lastSeq).toBe(nextSeq - 1);

    // Space is freed: appends and snapshots work again, without a restart.
    await rm(filler);
    for (let seq = nextSeq; seq < nextSeq + 5; seq++) {
      await afterCrash.store.append(seq, payload(seq));
      acknowledged.push(seq);
    }
    const lastSeq = nextSeq + 4;
    await afterCrash.store.writeSnapshot(lastSeq, snapshotChunks);
    await afterCrash.store.append(lastSeq + 1, payload(lastSeq + 1));
    await afterCrash.store.close();

    const final = await recoveredSeqs(dir);
    expect(final.seqs).toEqual([lastSeq + 1]);
    expect(final.result).toEqual({ lastSeq: lastSeq + 1, snapshotSeq: lastSeq, recordsReplayed: 1 });
    await final.store.close();
  },
);
