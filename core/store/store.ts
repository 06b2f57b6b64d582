/**
 * The station's durable store: a snapshot of the state after some record,
 * plus the command log of every record since. It stores opaque bytes and
 * knows nothing about voting.
 *
 * Crash safety rests on one rule: recovery uses the newest snapshot and skips
 * log records it already covers. So writing a snapshot may stop at any step
 * (new segment started, temporary file half written, renamed, old files
 * half deleted) and recovery still finds every record exactly once.
 *
 * Replication adds two ways of replacing the whole content, each with one
 * atomic commit point, so that a crash leaves exactly the old content or
 * exactly the new one:
 *
 * - Installing a received snapshot: it is built in `snapshot-<seq>.partial`,
 *   flushed, and renamed to `snapshot-<seq>.install` (the commit point; the
 *   directory is flushed before anything is deleted). Recovery that finds an
 *   `.install` file checks it, then deletes every segment, every other
 *   snapshot and partial, flushes the directory, and only then renames it to
 *   `snapshot-<seq>.evsnap`. Plainly renaming the new snapshot into place
 *   would not do: an old segment holding records after `seq` would be replayed
 *   on top of it, and an old snapshot newer than `seq` would win over it.
 * - Reset: an empty `store-reset.pending` marker is created and the directory
 *   flushed (the commit point); recovery that finds it deletes every segment,
 *   snapshot and `.install` file, flushes, and only then removes the marker.
 *   Partial snapshots are kept, so that a full copy can resume a transfer.
 *
 * The commit, not recovery, normally does that clean-up at once; if it fails
 * half-way the store refuses everything (StorageFailedError) until a restart
 * lets recovery finish it.
 *
 * Readers for replication (readRecords, readSnapshotChunks) never block
 * writers: segments are opened before the first record is read, and an open
 * file stays readable after compaction unlinks it; a snapshot being read is
 * pinned by a reader count and deleted when its last reader is done.
 */
import { join, resolve } from 'node:path';
import type { Logger } from '../logging/logger.ts';
import { limits } from '../protocol/limits.ts';
import { fsyncDirectory, isTemporaryFileName } from './atomic-file.ts';
import { nodeFileSystem, type FileHandle, type FileSystem } from './file-system.ts';
import { CorruptStoreError, scanFrames, scanOpenFile } from './record-frame.ts';
import {
  errorCode,
  parseSegmentFileName,
  SegmentedLog,
  segmentFileName,
  StorageFailedError,
} from './segmented-log.ts';
import {
  inspectPartialSnapshot,
  installSnapshotFileName,
  parseInstallSnapshotFileName,
  parsePartialSnapshotFileName,
  parseSnapshotFileName,
  partialSnapshotFileName,
  readSnapshotFile,
  SnapshotFileWriter,
  snapshotFileName,
  streamSnapshotFile,
  writeSnapshotFile,
} from './snapshot-file.ts';

export { CorruptStoreError } from './record-frame.ts';
export { StorageFailedError, StorageFullError } from './segmented-log.ts';

/** While this file exists, the store's content is being removed (see reset). */
export const resetMarkerFileName = 'store-reset.pending';

/**
 * What a replication reader asked for is no longer in the log or is no
 * longer the newest snapshot (compacted, or the content was replaced): the
 * caller starts over from the newest snapshot.
 */
export class CompactedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CompactedError';
  }
}

export interface ReadRecordsOptions {
  /** Read no further than this seq (default, and at most: the durable seq when the call is made). */
  readonly toSeq?: number;
}

/** A snapshot being received from another station (see Store.beginSnapshotInstall). */
export interface SnapshotInstall {
  readonly seq: number;
  /** How many chunks the whole snapshot has. */
  readonly count: number;
  /** Chunks 0 .. receivedChunks - 1 are in the partial file; the next write is chunk `receivedChunks`. */
  readonly receivedChunks: number;
  /**
   * Writes chunk `index`. Chunks come in order: an index below receivedChunks
   * is one already held (a resent chunk) and is ignored; above it rejects.
   */
  write(index: number, chunk: Uint8Array): Promise<void>;
  /** Requires every chunk and no pending append; then replaces the store content as installSnapshot does. */
  commit(): Promise<void>;
  /** Closes the partial file, keeping it so that a later beginSnapshotInstall can resume it. */
  abandon(): Promise<void>;
}

export interface PartialSnapshot {
  readonly seq: number;
  readonly count: number;
  readonly receivedChunks: number;
}

export interface StoreOptions {
  readonly logger: Logger;
  /** Where the files live (the simulator's disk in simulation/); the real one by default. */
  readonly fileSystem?: FileSystem;
}

export interface RecoveryResult {
  readonly lastSeq: number;
  /** 0 when there was no snapshot. */
  readonly snapshotSeq: number;
  /** Log records passed to onRecord, i.e. those after the snapshot. */
  readonly recordsReplayed: number;
}

interface ScannedSegment {
  readonly firstSeq: number;
  /** Seq of its last record; firstSeq - 1 when it has none. */
  readonly lastSeq: number;
  readonly sizeBytes: number;
}

export class Store {
  private log: SegmentedLog | null = null;
  private recoverCalled = false;
  private closed = false;
  private snapshotInFlight: Promise<void> | null = null;
  /** The seq of the newest complete snapshot, or null if there is none. */
  private newestSnapshotSeq: number | null = null;
  /** Readers per snapshot seq; compaction leaves a snapshot with readers in place. */
  private readonly snapshotReaders = new Map<number, number>();
  /** Counts replacements of the whole content, so that a reader can tell it read across one. */
  private generation = 0;
  /** An install commit or reset in progress. */
  private replacement: Promise<void> | null = null;
  /** Set when a replacement failed after its commit point: only a restart (recovery) can finish it. */
  private broken: StorageFailedError | null = null;
  private activeInstall: ReceivedSnapshot | null = null;
  /** Runs beginSnapshotInstall and installSnapshot one at a time, as they share the partial file. */
  private installIntake: Promise<unknown> = Promise.resolve();
  /** Records from this seq on stay in the log after a snapshot covers them (see `retainFrom`). */
  private retainFromSeq = Number.POSITIVE_INFINITY;
  /** True while the log holds records a snapshot covers (retained, or left by a crash). */
  private keepsCoveredRecords = false;

  private constructor(
    private readonly dir: string,
    private readonly logger: Logger,
    private readonly files: FileSystem,
  ) {}

  /** Opens the data directory (creating it, mode 0700, if absent). The caller has already taken the directory lock. */
  static async open(dir: string, options: StoreOptions): Promise<Store> {
    const files = options.fileSystem ?? nodeFileSystem;
    const absoluteDir = resolve(dir);
    await files.mkdir(absoluteDir, { recursive: true, mode: 0o700 });
    return new Store(absoluteDir, options.logger, files);
  }

  /**
   * Loads the newest snapshot (if any) chunk by chunk, then every log record
   * after the snapshot's seq, in order, checking that the seqs run on without
   * a gap. A torn tail (a record cut short by a crash) is cut off and logged;
   * any other flaw throws CorruptStoreError before a file is changed. Then
   * removes what the snapshot makes redundant: older snapshots, fully covered
   * segments and leftover temporary files. Must be called once, before append.
   *
   * First, a reset or snapshot install that passed its commit point before a
   * crash is finished (see the top of this file); a partial snapshot is left
   * alone, for beginSnapshotInstall to resume.
   */
  async recover(
    onSnapshotChunk: (chunk: Uint8Array) => void,
    onRecord: (seq: number, payload: Uint8Array) => void,
    onSnapshotStart?: (seq: number) => void,
  ): Promise<RecoveryResult> {
    if (this.recoverCalled) throw new Error('Store.recover may only be called once');
    this.recoverCalled = true;
    // A crashed process's last changes may still be in the page cache only, yet recovery acts on
    // what it reads (compacts, replicates): it makes that durable first, as PostgreSQL syncs its
    // data directory after a crash. The directory here, the segments it reads below.
    await fsyncDirectory(this.dir, this.files);
    let names = await this.files.readdir(this.dir);
    // A replacement that passed its commit point is finished before anything else is read.
    const finishedReset = names.includes(resetMarkerFileName);
    if (finishedReset) {
      await this.finishReset(names);
      names = await this.files.readdir(this.dir);
    }
    const installSeq =
      names
        .flatMap((name) => nonNull(parseInstallSnapshotFileName(name)))
        .sort((a, b) => a - b)
        .at(-1) ?? null;
    if (installSeq !== null) {
      // Checked whole before the old content is deleted: a damaged one stops start-up with nothing changed.
      await readSnapshotFile(
        this.pathOf(installSnapshotFileName(installSeq)),
        installSeq,
        () => undefined,
        () => undefined,
        { fileSystem: this.files },
      );
      await this.finishInstall(installSeq, names);
      names = await this.files.readdir(this.dir);
    }
    const segmentSeqs = names.flatMap((name) => nonNull(parseSegmentFileName(name))).sort((a, b) => a - b);
    const snapshotSeqs = names.flatMap((name) => nonNull(parseSnapshotFileName(name))).sort((a, b) => a - b);

    const snapshotSeq = snapshotSeqs.at(-1) ?? 0;
    if (snapshotSeqs.length > 0) {
      await readSnapshotFile(
        this.pathOf(snapshotFileName(snapshotSeq)),
        snapshotSeq,
        (seq) => onSnapshotStart?.(seq),
        onSnapshotChunk,
        { fileSystem: this.files },
      );
    }

    // A segment followed by one starting at or before snapshotSeq + 1 holds only covered records: skip it.
    let firstRead = 0;
    while (firstRead < segmentSeqs.length - 1 && (segmentSeqs[firstRead + 1] ?? 0) <= snapshotSeq + 1)
      firstRead++;

    const scanned = new Map<number, ScannedSegment>();
    let nextSeq: number | null = null;
    let recordsReplayed = 0;
    let bytesSinceSnapshot = 0;
    let tornTail: {
      readonly path: string;
      readonly offsetBytes: number;
      readonly droppedBytes: number;
    } | null = null;
    for (const [index, firstSeq] of segmentSeqs.entries()) {
      if (index < firstRead) continue;
      const path = this.pathOf(segmentFileName(firstSeq));
      if (nextSeq === null && firstSeq > snapshotSeq + 1) {
        const after =
          snapshotSeq === 0 ? 'there is no snapshot' : `the snapshot ends at record ${snapshotSeq}`;
        throw new CorruptStoreError(
          path,
          0,
          `the log starts at record ${firstSeq} but ${after}: records ${snapshotSeq + 1} to ${firstSeq - 1} are missing`,
        );
      }
      if (nextSeq !== null && firstSeq !== nextSeq) {
        throw new CorruptStoreError(
          path,
          0,
          `this log file starts at record ${firstSeq} but the previous one ends at record ${nextSeq - 1}` +
            (firstSeq > nextSeq ? `: records ${nextSeq} to ${firstSeq - 1} are missing` : ''),
        );
      }
      let seq: number = firstSeq;
      let sizeBytes = 0;
      for await (const item of scanFrames(path, { fileSystem: this.files })) {
        if (item.kind === 'torn-tail') {
          if (index !== segmentSeqs.length - 1) {
            throw new CorruptStoreError(
              path,
              item.offsetBytes,
              `${item.problem}, but newer log files follow it`,
            );
          }
          tornTail = {
            path,
            offsetBytes: item.offsetBytes,
            droppedBytes: item.fileSizeBytes - item.offsetBytes,
          };
          break;
        }
        if (item.seq !== seq) {
          throw new CorruptStoreError(
            path,
            item.offsetBytes,
            `expected record ${seq} but found record ${item.seq}` +
              (item.seq > seq ? `: records ${seq} to ${item.seq - 1} are missing` : ''),
          );
        }
        if (seq > snapshotSeq) {
          onRecord(seq, item.payload);
          recordsReplayed++;
          bytesSinceSnapshot += item.sizeBytes;
        }
        seq++;
        sizeBytes = item.offsetBytes + item.sizeBytes;
      }
      scanned.set(firstSeq, { firstSeq, lastSeq: seq - 1, sizeBytes });
      nextSeq = seq;
    }
    const lastSeq = Math.max(snapshotSeq, (nextSeq ?? 0) - 1);

    for (const firstSeq of scanned.keys()) {
      const path = this.pathOf(segmentFileName(firstSeq));
      await this.flushFile(path, path === tornTail?.path ? tornTail.offsetBytes : undefined);
    }
    if (tornTail !== null) {
      this.logger.log('warn', 'store-torn-tail-truncated', 'cut off an incomplete record left by a crash', {
        file: tornTail.path,
        offset: tornTail.offsetBytes,
        droppedBytes: tornTail.droppedBytes,
      });
    }

    // Append to the newest segment if it ends at lastSeq and holds something the snapshot does not cover.
    const newest = scanned.get(segmentSeqs.at(-1) ?? -1);
    const continueSegment =
      newest !== undefined &&
      newest.lastSeq === lastSeq &&
      (newest.lastSeq < newest.firstSeq || newest.lastSeq > snapshotSeq)
        ? newest
        : null;

    // Covered segments are kept only while the log runs on to the snapshot: one that stops short
    // of it may be an old segment brought back by a power loss (its removal was not durable yet),
    // with a gap after it, so nothing in it can be read as a run of the log.
    const logEnd = scanned.get(segmentSeqs.at(-1) ?? -1)?.lastSeq ?? 0;
    const keepCovered = logEnd >= snapshotSeq;
    const redundant = [
      ...snapshotSeqs.filter((seq) => seq < snapshotSeq).map(snapshotFileName),
      ...names.filter((name) => name.startsWith('snapshot-') && isTemporaryFileName(name)),
      ...segmentSeqs
        .filter((firstSeq, index) => {
          if (firstSeq === continueSegment?.firstSeq) return false;
          const scannedSegment = scanned.get(firstSeq);
          if (!keepCovered) {
            const segmentLastSeq = scannedSegment?.lastSeq ?? (segmentSeqs[index + 1] ?? 0) - 1;
            return index < firstRead || segmentLastSeq <= snapshotSeq;
          }
          // Segments the snapshot covers stay until the next snapshot, whose compaction knows
          // which records must stay for a merge (see retainFrom); an empty one is of no use.
          return scannedSegment !== undefined && scannedSegment.lastSeq < scannedSegment.firstSeq;
        })
        .map(segmentFileName),
    ];
    await this.removeFiles(redundant);
    this.keepsCoveredRecords = segmentSeqs.some(
      (firstSeq) => firstSeq <= snapshotSeq && !redundant.includes(segmentFileName(firstSeq)),
    );

    this.newestSnapshotSeq = snapshotSeqs.length > 0 ? snapshotSeq : null;
    this.log = new SegmentedLog({
      dir: this.dir,
      logger: this.logger,
      fileSystem: this.files,
      lastSeq,
      continueSegment:
        continueSegment === null
          ? null
          : { firstSeq: continueSegment.firstSeq, sizeBytes: continueSegment.sizeBytes },
      bytesSinceSnapshot,
    });
    this.logger.log('info', 'store-recovery-complete', 'the store is recovered', {
      dir: this.dir,
      lastSeq,
      snapshotSeq,
      recordsReplayed,
      segmentsRead: scanned.size,
      finishedReset,
      finishedInstallSeq: installSeq,
    });
    return { lastSeq, snapshotSeq, recordsReplayed };
  }

  /**
   * Resolves once the record is durable. Rejects with StorageFullError or
   * StorageFailedError, in order, for the failing append and every append
   * after it (see segmented-log.ts), and with a plain Error for a seq that
   * does not follow the previous one.
   */
  append(seq: number, payload: Uint8Array): Promise<void> {
    if (this.log === null) return Promise.reject(new Error('Store.recover must complete before append'));
    if (this.broken !== null) return Promise.reject(this.broken);
    if (this.replacement !== null) {
      return Promise.reject(new Error('the store content is being replaced; append once that has completed'));
    }
    return this.log.append(seq, payload);
  }

  /** The last durable seq (0 for an empty store, and before recovery). */
  get lastSeq(): number {
    return this.log?.durableSeq ?? 0;
  }

  /** Bytes of log records appended since the last completed snapshot (or, after a restart, not covered by it). */
  get bytesSinceSnapshot(): number {
    return this.log?.bytesSinceSnapshot ?? 0;
  }

  /**
   * Precondition (asserted): no append is pending and seq is the last
   * appended seq. Synchronously switches appends to a new segment starting at
   * seq + 1, so the caller may resume appending as soon as this returns; then
   * writes the snapshot atomically, then deletes older snapshots and the
   * segments whose records are all ≤ seq.
   *
   * One snapshot at a time: a call while another is being written rejects at
   * once, without touching anything. If writing fails, the failure is logged
   * as 'store-snapshot-failed', the old snapshot and every segment are kept
   * (nothing is lost) and the promise rejects with the cause.
   */
  async writeSnapshot(seq: number, chunks: readonly Uint8Array[]): Promise<void> {
    const log = this.log;
    if (log === null || this.closed) throw new Error('the store is not open for snapshots');
    if (this.broken !== null) throw this.broken;
    if (this.replacement !== null) throw new Error('the store content is being replaced');
    if (this.snapshotInFlight !== null) {
      throw new Error('a snapshot is already being written; wait for it to finish before starting another');
    }
    if (!log.idle) throw new Error('writeSnapshot called while appends are pending');
    if (seq !== log.durableSeq)
      throw new Error(`writeSnapshot(${seq}) called but the last appended seq is ${log.durableSeq}`);
    for (const chunk of chunks) {
      if (chunk.length > limits.storeRecordBytesMax) {
        throw new RangeError(
          `snapshot chunk of ${chunk.length} bytes exceeds the limit of ${limits.storeRecordBytesMax}`,
        );
      }
    }
    const rotation = log.rotate();
    const written = this.completeSnapshot(log, seq, chunks, rotation.coveredBytes, rotation.previousClosed);
    this.snapshotInFlight = written;
    try {
      await written;
    } finally {
      this.snapshotInFlight = null;
    }
  }

  /**
   * Passes the durable records with fromSeq ≤ seq ≤ toSeq to `onRecord` in
   * order, awaiting it when it returns a promise (so a slow consumer slows
   * the reading down). Reads no further than the durable seq at the time of
   * the call (`toSeq` is capped there): appends may go on meanwhile, and a
   * frame still being written is never read. Memory stays bounded: segments
   * are scanned in chunks.
   *
   * A snapshot written during the read does not disturb it: every segment the
   * read needs is opened before the first record is passed on, and an open
   * file stays readable after compaction deletes it. Rejects with
   * CompactedError if `fromSeq` is older than the oldest segment (its records
   * are only in a snapshot now), or if the whole content is replaced
   * (installSnapshot, reset) during the read.
   *
   * Resolves with the last seq passed on, or fromSeq - 1 if there was none.
   */
  async readRecords(
    fromSeq: number,
    onRecord: (seq: number, payload: Uint8Array) => void | Promise<void>,
    options: ReadRecordsOptions = {},
  ): Promise<{ lastSeq: number }> {
    const log = this.readableLog();
    if (!Number.isSafeInteger(fromSeq) || fromSeq < 1) {
      throw new RangeError(`fromSeq ${fromSeq} is not a positive integer`);
    }
    if (options.toSeq !== undefined && !Number.isSafeInteger(options.toSeq)) {
      throw new RangeError(`toSeq ${options.toSeq} is not an integer`);
    }
    const generation = this.generation;
    // Taken together, with no await in between, so that the byte limit falls on the frame after durableSeq.
    const durableSeq = log.durableSeq;
    const durableEnd = log.durableEnd;
    const toSeq = Math.min(options.toSeq ?? durableSeq, durableSeq);
    if (fromSeq > toSeq) return { lastSeq: fromSeq - 1 };

    const names = await this.files.readdir(this.dir);
    this.checkReader(generation);
    const firstSeqs = names
      .flatMap((name) => nonNull(parseSegmentFileName(name)))
      .filter((firstSeq) => firstSeq <= toSeq)
      .sort((a, b) => a - b);
    const startIndex = firstSeqs.findLastIndex((firstSeq) => firstSeq <= fromSeq);
    if (startIndex < 0) {
      throw new CompactedError(
        `record ${fromSeq} is no longer in the log (the oldest segment starts at ` +
          `${firstSeqs[0] ?? durableSeq + 1}): it is only in the snapshot now`,
      );
    }
    const needed = firstSeqs.slice(startIndex);
    const handles: FileHandle[] = [];
    try {
      for (const firstSeq of needed) {
        try {
          handles.push(await this.files.open(this.pathOf(segmentFileName(firstSeq)), 'r'));
        } catch (error) {
          // Only compaction or a replacement removes a segment that holds durable records.
          if (errorCode(error) !== 'ENOENT') throw error;
          throw new CompactedError(`record ${fromSeq} was compacted into a snapshot as the read started`);
        }
      }
      let lastSeq = fromSeq - 1;
      for (const [index, firstSeq] of needed.entries()) {
        const handle = handles[index];
        if (handle === undefined) throw new Error('a segment was not opened');
        const path = this.pathOf(segmentFileName(firstSeq));
        const nextFirstSeq = needed[index + 1];
        const stopSeq = nextFirstSeq === undefined ? toSeq : Math.min(toSeq, nextFirstSeq - 1);
        let seq = firstSeq;
        let reached = false;
        let endOffsetBytes = 0;
        const scanOptions = firstSeq === durableEnd.firstSeq ? { endBytes: durableEnd.sizeBytes } : {};
        for await (const item of scanOpenFile(handle, path, scanOptions)) {
          if (item.kind === 'torn-tail') {
            throw new CorruptStoreError(
              path,
              item.offsetBytes,
              `record ${seq} is durable, yet ${item.problem}`,
            );
          }
          if (item.seq !== seq) {
            throw new CorruptStoreError(
              path,
              item.offsetBytes,
              `expected record ${seq} but found record ${item.seq}`,
            );
          }
          endOffsetBytes = item.offsetBytes + item.sizeBytes;
          if (seq >= fromSeq) {
            this.checkReader(generation);
            const result = onRecord(seq, item.payload);
            if (result instanceof Promise) await result;
            lastSeq = seq;
          }
          if (seq === stopSeq) {
            reached = true;
            break;
          }
          seq++;
        }
        if (!reached) {
          throw new CorruptStoreError(
            path,
            endOffsetBytes,
            `the file ends before record ${seq}, which is durable`,
          );
        }
      }
      return { lastSeq };
    } finally {
      await Promise.all(handles.map((handle) => handle.close().catch(() => undefined)));
    }
  }

  /**
   * Compaction keeps the records from `seq` on in the log (whole segments),
   * so that they can still be read after a snapshot covers them; null lets it
   * remove every covered record again. For records that may have to be
   * replayed on another station (core/engine/merge.ts).
   */
  retainFrom(seq: number | null): void {
    this.retainFromSeq = seq ?? Number.POSITIVE_INFINITY;
  }

  /** True while the log holds records that a snapshot covers: a snapshot would remove those not retained. */
  get holdsCoveredRecords(): boolean {
    return this.keepsCoveredRecords;
  }

  /** The first record still in the log (covered by a snapshot or not); lastSeq + 1 if there is none. */
  async firstLogSeq(): Promise<number> {
    const names = await this.files.readdir(this.dir);
    const firstSeqs = names.flatMap((name) => nonNull(parseSegmentFileName(name)));
    return firstSeqs.length === 0 ? this.lastSeq + 1 : Math.min(...firstSeqs);
  }

  /** The newest complete snapshot, or null if there is none. */
  latestSnapshot(): { seq: number; path: string } | null {
    const seq = this.newestSnapshotSeq;
    return seq === null ? null : { seq, path: this.pathOf(snapshotFileName(seq)) };
  }

  /**
   * Passes the chunks of snapshot `seq` from index `fromChunk` on to
   * `onChunk`, in order, with the chunk count, awaiting it when it returns a
   * promise; memory stays bounded. The whole file is still checked (earlier
   * chunks are read but not passed on), and a flaw rejects with
   * CorruptStoreError.
   *
   * Rejects with CompactedError if `seq` is not the newest snapshot when
   * called, or if the whole content is replaced during the read. A newer
   * snapshot written during the read does not disturb it: a snapshot with
   * readers is left in place by compaction and removed by its last reader.
   */
  async readSnapshotChunks(
    seq: number,
    fromChunk: number,
    onChunk: (index: number, count: number, chunk: Uint8Array) => void | Promise<void>,
  ): Promise<void> {
    this.readableLog();
    if (seq !== this.newestSnapshotSeq) {
      throw new CompactedError(
        `snapshot ${seq} is not the newest (that is ${this.newestSnapshotSeq ?? 'none'}): start over with the newest`,
      );
    }
    const generation = this.generation;
    // Counted before the first await, so that no compaction can slip in between the check and the count.
    this.snapshotReaders.set(seq, (this.snapshotReaders.get(seq) ?? 0) + 1);
    try {
      await streamSnapshotFile(this.pathOf(snapshotFileName(seq)), seq, {
        fileSystem: this.files,
        fromChunk,
        onChunk: (index, count, chunk) => {
          this.checkReader(generation);
          return onChunk(index, count, chunk);
        },
      });
    } catch (error) {
      // A replacement deletes snapshots whatever their readers; whatever that broke, the answer is to start over.
      if (generation !== this.generation && !(error instanceof CompactedError)) {
        throw new CompactedError(`snapshot ${seq} was replaced during the read: start over with the newest`);
      }
      throw error;
    } finally {
      const readers = (this.snapshotReaders.get(seq) ?? 1) - 1;
      if (readers > 0) {
        this.snapshotReaders.set(seq, readers);
      } else {
        this.snapshotReaders.delete(seq);
        if (generation === this.generation && seq !== this.newestSnapshotSeq) {
          await this.removeFiles([snapshotFileName(seq)]);
        }
      }
    }
  }

  /**
   * Starts receiving snapshot `seq` of `count` chunks from another station,
   * into `snapshot-<seq>.partial`. If a partial file of the same seq and
   * count exists (a transfer broken off, even by a crash), it is continued:
   * its intact chunks are kept and `receivedChunks` says how many. Any other
   * partial file is removed, as is the one of a transfer begun earlier: only
   * the newest transfer is kept, and the object of an earlier one stops
   * working.
   *
   * `receivedChunks` counts chunks written to the file; they survive a
   * process crash, and after a machine crash a new begin checks each chunk
   * (CRC) and keeps only the intact prefix. The file is flushed at commit.
   */
  beginSnapshotInstall(seq: number, count: number): Promise<SnapshotInstall> {
    return this.intake(async () => {
      this.readableLog();
      checkSnapshotSeq(seq);
      if (!Number.isSafeInteger(count) || count < 0) {
        throw new RangeError(`chunk count ${count} is not a non-negative integer`);
      }
      await this.supersedeActiveInstall();
      const names = await this.files.readdir(this.dir);
      await this.removeFiles(
        names.filter((name) => {
          const partialSeq = parsePartialSnapshotFileName(name);
          return partialSeq !== null && partialSeq !== seq;
        }),
      );
      const path = this.pathOf(partialSnapshotFileName(seq));
      const writer =
        (await SnapshotFileWriter.resume(path, seq, count, this.files)) ??
        (await SnapshotFileWriter.create(path, seq, count, this.files));
      if (this.closed) {
        // close() ran meanwhile and did not see this transfer.
        await writer.close();
        throw new Error('the store is closed');
      }
      const install: ReceivedSnapshot = new ReceivedSnapshot(seq, count, writer, async () => {
        await this.replaceWith(seq, writer);
        if (this.activeInstall === install) this.activeInstall = null;
      });
      this.activeInstall = install;
      return install;
    });
  }

  /**
   * Replaces the whole content with the snapshot of the state after `seq`,
   * whose chunks are written as they are produced (bounded memory). After
   * it, lastSeq is `seq`, latestSnapshot is this one and the next append must
   * be seq + 1. Precondition: no append pending and no snapshot being written
   * (rejects at once otherwise, changing nothing).
   *
   * Crash-safe (see the top of this file): before the `.install` rename a
   * crash leaves the old content, after it recovery gives exactly this
   * snapshot. A failure before that point leaves the old content in use; one
   * after it makes the store refuse everything until a restart.
   */
  installSnapshot(seq: number, chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<void> {
    return this.intake(async () => {
      checkSnapshotSeq(seq);
      this.checkReplaceable();
      await this.supersedeActiveInstall();
      const path = this.pathOf(partialSnapshotFileName(seq));
      const writer = await SnapshotFileWriter.create(path, seq, null, this.files);
      try {
        for await (const chunk of chunks) {
          if (this.closed) throw new Error('the store is closed');
          await writer.write(chunk);
        }
        await this.replaceWith(seq, writer);
      } catch (error) {
        // Nobody resumes this transfer (the caller has the chunks), so its partial file goes.
        await writer.close().catch(() => undefined);
        await this.files.unlink(path).catch(() => undefined);
        throw error;
      }
    });
  }

  /**
   * Removes every snapshot and segment: afterwards lastSeq is 0 and the next
   * append is seq 1. Partial snapshots are kept, so that the full copy that
   * follows can resume a broken transfer. Precondition as for
   * installSnapshot. Crash-safe: a crash gives the old content or an empty
   * store, never a part of the old content (see the top of this file).
   */
  async reset(): Promise<void> {
    const log = this.checkReplaceable();
    const replacement = this.resetContent(log);
    this.replacement = replacement;
    try {
      await replacement;
    } finally {
      this.replacement = null;
    }
  }

  /** Forgets every partial snapshot transfer: the next one starts from its first chunk. */
  discardPartialSnapshots(): Promise<void> {
    return this.intake(async () => {
      this.readableLog();
      await this.supersedeActiveInstall();
      const names = await this.files.readdir(this.dir);
      await this.removeFiles(names.filter((name) => parsePartialSnapshotFileName(name) !== null));
    });
  }

  /**
   * The transfer that beginSnapshotInstall would resume (the one in progress,
   * or a partial file left by an earlier run), or null.
   */
  async partialSnapshot(): Promise<PartialSnapshot | null> {
    this.readableLog();
    const active = this.activeInstall;
    if (active?.isOpen === true) {
      return { seq: active.seq, count: active.count, receivedChunks: active.receivedChunks };
    }
    const names = await this.files.readdir(this.dir);
    const seq =
      names
        .flatMap((name) => nonNull(parsePartialSnapshotFileName(name)))
        .sort((a, b) => a - b)
        .at(-1) ?? null;
    if (seq === null) return null;
    const content = await inspectPartialSnapshot(
      this.pathOf(partialSnapshotFileName(seq)),
      seq,
      this.files,
    ).catch((error: unknown) => {
      if (errorCode(error) === 'ENOENT') return null;
      throw error;
    });
    return content === null
      ? null
      : { seq: content.seq, count: content.count, receivedChunks: content.receivedChunks };
  }

  /**
   * Waits for pending appends, any snapshot being written and any content
   * replacement, stops a snapshot transfer (its partial file is kept), then
   * closes files. Replication readers stop at their next record or chunk.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.snapshotInFlight?.catch(() => undefined);
    await this.replacement?.catch(() => undefined);
    // An installSnapshot still receiving chunks is not waited for: it stops at its next chunk.
    await this.activeInstall?.supersede();
    this.activeInstall = null;
    await this.log?.close();
  }

  private async completeSnapshot(
    log: SegmentedLog,
    seq: number,
    chunks: readonly Uint8Array[],
    coveredBytes: number,
    previousClosed: Promise<void>,
  ): Promise<void> {
    const startedMs = performance.now();
    // The previous segment is complete and flushed; a failure to close it loses nothing.
    await previousClosed.catch(() => undefined);
    let path: string;
    try {
      path = await writeSnapshotFile(this.dir, seq, chunks, this.files);
    } catch (error) {
      this.logger.log(
        'error',
        'store-snapshot-failed',
        'could not write a snapshot; the previous snapshot and the log are kept',
        {
          seq,
          code: errorCode(error) ?? null,
          detail: error instanceof Error ? error.message : String(error),
        },
      );
      throw error;
    }
    log.snapshotDurable(coveredBytes);
    this.newestSnapshotSeq = seq;
    const names = await this.files.readdir(this.dir).catch(() => []);
    const segmentSeqs = names.flatMap((name) => nonNull(parseSegmentFileName(name))).sort((a, b) => a - b);
    // Covered segments go, but for the first holding a record to retain (each ends where the next
    // one starts) and those after it.
    const retainedFrom = segmentSeqs.find(
      (firstSeq, index) => firstSeq <= seq && (segmentSeqs[index + 1] ?? seq + 1) > this.retainFromSeq,
    );
    await this.removeFiles(
      names.filter((name) => {
        const snapshotSeq = parseSnapshotFileName(name);
        const firstSeq = parseSegmentFileName(name);
        // A snapshot being read is removed by its last reader (see readSnapshotChunks).
        return (
          (snapshotSeq !== null && snapshotSeq < seq && !this.snapshotReaders.has(snapshotSeq)) ||
          (firstSeq !== null && firstSeq <= seq && (retainedFrom === undefined || firstSeq < retainedFrom))
        );
      }),
    );
    this.keepsCoveredRecords = retainedFrom !== undefined;
    this.logger.log('info', 'store-snapshot-complete', 'snapshot written', {
      file: path,
      seq,
      chunks: chunks.length,
      durationMs: Math.round(performance.now() - startedMs),
    });
  }

  /** Runs beginSnapshotInstall and installSnapshot one at a time: they share the partial file. */
  private intake<T>(task: () => Promise<T>): Promise<T> {
    const result = this.installIntake.then(task);
    this.installIntake = result.catch(() => undefined);
    return result;
  }

  private async supersedeActiveInstall(): Promise<void> {
    const install = this.activeInstall;
    this.activeInstall = null;
    await install?.supersede();
  }

  /** Checks the preconditions of replacing the content, synchronously, and returns the current log. */
  private checkReplaceable(): SegmentedLog {
    const log = this.readableLog();
    if (this.replacement !== null) throw new Error('the store content is already being replaced');
    if (this.snapshotInFlight !== null) {
      throw new Error('a snapshot is being written; wait for it to finish before replacing the content');
    }
    if (!log.idle) throw new Error('the store content cannot be replaced while appends are pending');
    return log;
  }

  /** Commits a received snapshot whose chunks are all written (see installSnapshot). */
  private async replaceWith(seq: number, writer: SnapshotFileWriter): Promise<void> {
    const log = this.checkReplaceable();
    const replacement = this.installContent(log, seq, writer);
    this.replacement = replacement;
    try {
      await replacement;
    } finally {
      this.replacement = null;
    }
  }

  private async installContent(log: SegmentedLog, seq: number, writer: SnapshotFileWriter): Promise<void> {
    const startedMs = performance.now();
    await writer.finish();
    const installPath = this.pathOf(installSnapshotFileName(seq));
    await this.files.rename(writer.path, installPath);
    // The commit point: from here on recovery would finish this install, and so must this call.
    this.generation++;
    try {
      await fsyncDirectory(this.dir, this.files);
      await log.close().catch(() => undefined);
      await this.finishInstall(seq, await this.files.readdir(this.dir));
    } catch (error) {
      throw this.breakDown(error, 'could not finish installing a snapshot');
    }
    this.startEmptyLog(seq, seq);
    this.logger.log('info', 'store-snapshot-complete', 'installed a snapshot received from another station', {
      file: this.pathOf(snapshotFileName(seq)),
      seq,
      chunks: writer.chunksWritten,
      installed: true,
      durationMs: Math.round(performance.now() - startedMs),
    });
  }

  private async resetContent(log: SegmentedLog): Promise<void> {
    const marker = await this.files.open(this.pathOf(resetMarkerFileName), 'w', 0o600);
    // The marker exists, so the commit point may be durable: from here on this call must finish the reset.
    this.generation++;
    try {
      await marker.close();
      await fsyncDirectory(this.dir, this.files);
      await log.close().catch(() => undefined);
      await this.finishReset(await this.files.readdir(this.dir));
    } catch (error) {
      throw this.breakDown(error, 'could not finish emptying the store');
    }
    this.startEmptyLog(0, null);
  }

  /**
   * Deletes the old content (every segment, snapshot and other partial or
   * installed snapshot), makes that durable, and only then gives the
   * installed snapshot its final name: until then its `.install` name tells
   * recovery to finish the job.
   */
  private async finishInstall(seq: number, names: readonly string[]): Promise<void> {
    const installName = installSnapshotFileName(seq);
    await this.unlinkAll(
      names.filter(
        (name) =>
          name !== installName && (isContentFile(name) || parsePartialSnapshotFileName(name) !== null),
      ),
    );
    await fsyncDirectory(this.dir, this.files);
    await this.files.rename(this.pathOf(installName), this.pathOf(snapshotFileName(seq)));
    await fsyncDirectory(this.dir, this.files);
  }

  /** Deletes every segment, snapshot and installed snapshot, makes that durable, then removes the reset marker. */
  private async finishReset(names: readonly string[]): Promise<void> {
    await this.unlinkAll(names.filter(isContentFile));
    await fsyncDirectory(this.dir, this.files);
    await this.unlinkAll([resetMarkerFileName]);
    await fsyncDirectory(this.dir, this.files);
  }

  /** Unlike removeFiles, fails on the first file that cannot be removed. */
  private async unlinkAll(names: readonly string[]): Promise<void> {
    for (const name of names) {
      await this.files.unlink(this.pathOf(name)).catch((error: unknown) => {
        if (errorCode(error) !== 'ENOENT') throw error;
      });
    }
  }

  private startEmptyLog(lastSeq: number, snapshotSeq: number | null): void {
    this.log = new SegmentedLog({
      dir: this.dir,
      logger: this.logger,
      fileSystem: this.files,
      lastSeq,
      continueSegment: null,
      bytesSinceSnapshot: 0,
    });
    this.newestSnapshotSeq = snapshotSeq;
  }

  /** A replacement failed past its commit point: refuse everything until recovery finishes it. */
  private breakDown(error: unknown, problem: string): StorageFailedError {
    const code = errorCode(error) ?? null;
    this.broken = new StorageFailedError(code, { cause: error });
    this.logger.log('error', 'store-write-failed', `${problem}; a restart will finish it`, {
      dir: this.dir,
      code,
      detail: error instanceof Error ? error.message : String(error),
    });
    return this.broken;
  }

  private readableLog(): SegmentedLog {
    if (this.log === null) throw new Error('Store.recover must complete first');
    if (this.closed) throw new Error('the store is closed');
    if (this.broken !== null) throw this.broken;
    return this.log;
  }

  /** Stops a replication reader when the store closed or its content was replaced since `generation`. */
  private checkReader(generation: number): void {
    if (this.closed) throw new Error('the store is closed');
    if (generation !== this.generation) {
      throw new CompactedError(
        'the store content was replaced during the read: start over from the newest snapshot',
      );
    }
  }

  /** Makes a file's content durable, cut to `lengthBytes` first if given. */
  private async flushFile(path: string, lengthBytes?: number): Promise<void> {
    const handle = await this.files.open(path, 'r+');
    try {
      if (lengthBytes !== undefined) await handle.truncate(lengthBytes);
      await handle.datasync();
    } finally {
      await handle.close();
    }
  }

  /** Removes redundant files; a failure only delays their removal until the next snapshot or start. */
  private async removeFiles(names: readonly string[]): Promise<void> {
    if (names.length === 0) return;
    const failures: string[] = [];
    for (const name of names) {
      await this.files.unlink(this.pathOf(name)).catch((error: unknown) => {
        if (errorCode(error) !== 'ENOENT') failures.push(`${name} (${errorCode(error) ?? String(error)})`);
      });
    }
    await fsyncDirectory(this.dir, this.files).catch((error: unknown) =>
      failures.push(`directory flush (${String(error)})`),
    );
    if (failures.length > 0) {
      this.logger.log(
        'warn',
        'store-write-failed',
        'could not remove old store files; they will be removed later',
        {
          dir: this.dir,
          failures: failures.join(', '),
        },
      );
    }
  }

  private pathOf(name: string): string {
    return join(this.dir, name);
  }
}

function nonNull<T>(value: T | null): T[] {
  return value === null ? [] : [value];
}

function checkSnapshotSeq(seq: number): void {
  if (!Number.isSafeInteger(seq) || seq < 0)
    throw new RangeError(`snapshot seq ${seq} is not a non-negative integer`);
}

/** Files that make up the content: what an install or a reset replaces. */
function isContentFile(name: string): boolean {
  return (
    parseSegmentFileName(name) !== null ||
    parseSnapshotFileName(name) !== null ||
    parseInstallSnapshotFileName(name) !== null ||
    (name.startsWith('snapshot-') && isTemporaryFileName(name))
  );
}

/** A snapshot being received (see Store.beginSnapshotInstall); its operations run one at a time. */
class ReceivedSnapshot implements SnapshotInstall {
  private queue: Promise<unknown> = Promise.resolve();
  private state: 'open' | 'committed' | 'closed' = 'open';

  constructor(
    readonly seq: number,
    readonly count: number,
    private readonly writer: SnapshotFileWriter,
    private readonly onCommit: () => Promise<void>,
  ) {}

  get receivedChunks(): number {
    return this.writer.chunksWritten;
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  write(index: number, chunk: Uint8Array): Promise<void> {
    return this.serialize(async () => {
      this.requireOpen();
      if (!Number.isSafeInteger(index) || index < 0 || index >= this.count) {
        throw new RangeError(`chunk index ${index} is outside this snapshot of ${this.count} chunks`);
      }
      const next = this.writer.chunksWritten;
      if (index < next) return;
      if (index > next) throw new Error(`chunk ${index} arrived but chunk ${next} comes next`);
      await this.writer.write(chunk);
    });
  }

  commit(): Promise<void> {
    return this.serialize(async () => {
      this.requireOpen();
      if (this.writer.chunksWritten !== this.count) {
        throw new Error(
          `cannot install snapshot ${this.seq}: ${this.writer.chunksWritten} of ${this.count} chunks arrived`,
        );
      }
      try {
        await this.onCommit();
        this.state = 'committed';
      } catch (error) {
        // Once its file is finished and closed, this object is spent; a new begin resumes the file.
        if (!this.writer.isOpen) this.state = 'closed';
        throw error;
      }
    });
  }

  abandon(): Promise<void> {
    return this.serialize(async () => {
      if (this.state !== 'open') return;
      this.state = 'closed';
      await this.writer.close();
    });
  }

  /** A newer transfer takes over the partial file: this one waits for its last operation, then stops. */
  async supersede(): Promise<void> {
    await this.abandon().catch(() => undefined);
  }

  private requireOpen(): void {
    if (this.state === 'committed') throw new Error(`snapshot ${this.seq} is already installed`);
    if (this.state === 'closed') {
      throw new Error(
        `the transfer of snapshot ${this.seq} was closed or taken over by a newer one; begin again`,
      );
    }
  }

  private serialize<T>(task: () => Promise<T>): Promise<T> {
    const result = this.queue.then(task);
    this.queue = result.catch(() => undefined);
    return result;
  }
}
