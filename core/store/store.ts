/**
 * The station's durable store: a snapshot of the state after some record,
 * plus the command log of every record since. It stores opaque bytes and
 * knows nothing about voting.
 *
 * Crash safety rests on one rule: recovery uses the newest snapshot and skips
 * log records it already covers. So writing a snapshot may stop at any step
 * (new segment started, temporary file half written, renamed, old files
 * half deleted) and recovery still finds every record exactly once.
 */
import { mkdir, open, readdir, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Logger } from '../logging/logger.ts';
import { limits } from '../protocol/limits.ts';
import { fsyncDirectory, isTemporaryFileName } from './atomic-file.ts';
import { CorruptStoreError, scanFrames } from './record-frame.ts';
import { errorCode, parseSegmentFileName, SegmentedLog, segmentFileName } from './segmented-log.ts';
import {
  parseSnapshotFileName,
  readSnapshotFile,
  snapshotFileName,
  writeSnapshotFile,
} from './snapshot-file.ts';

export { CorruptStoreError } from './record-frame.ts';
export { StorageFailedError, StorageFullError } from './segmented-log.ts';

export interface StoreOptions {
  readonly logger: Logger;
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

  private constructor(
    private readonly dir: string,
    private readonly logger: Logger,
  ) {}

  /** Opens the data directory (creating it, mode 0700, if absent). The caller has already taken the directory lock. */
  static async open(dir: string, options: StoreOptions): Promise<Store> {
    const absoluteDir = resolve(dir);
    await mkdir(absoluteDir, { recursive: true, mode: 0o700 });
    return new Store(absoluteDir, options.logger);
  }

  /**
   * Loads the newest snapshot (if any) chunk by chunk, then every log record
   * after the snapshot's seq, in order, checking that the seqs run on without
   * a gap. A torn tail (a record cut short by a crash) is cut off and logged;
   * any other flaw throws CorruptStoreError before a file is changed. Then
   * removes what the snapshot makes redundant: older snapshots, fully covered
   * segments and leftover temporary files. Must be called once, before append.
   */
  async recover(
    onSnapshotChunk: (chunk: Uint8Array) => void,
    onRecord: (seq: number, payload: Uint8Array) => void,
    onSnapshotStart?: (seq: number) => void,
  ): Promise<RecoveryResult> {
    if (this.recoverCalled) throw new Error('Store.recover may only be called once');
    this.recoverCalled = true;
    const names = await readdir(this.dir);
    const segmentSeqs = names.flatMap((name) => nonNull(parseSegmentFileName(name))).sort((a, b) => a - b);
    const snapshotSeqs = names.flatMap((name) => nonNull(parseSnapshotFileName(name))).sort((a, b) => a - b);

    const snapshotSeq = snapshotSeqs.at(-1) ?? 0;
    if (snapshotSeqs.length > 0) {
      await readSnapshotFile(
        this.pathOf(snapshotFileName(snapshotSeq)),
        snapshotSeq,
        (seq) => onSnapshotStart?.(seq),
        onSnapshotChunk,
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
      for await (const item of scanFrames(path)) {
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

    if (tornTail !== null) {
      const handle = await open(tornTail.path, 'r+');
      try {
        await handle.truncate(tornTail.offsetBytes);
        await handle.datasync();
      } finally {
        await handle.close();
      }
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

    const redundant = [
      ...snapshotSeqs.filter((seq) => seq < snapshotSeq).map(snapshotFileName),
      ...names.filter((name) => name.startsWith('snapshot-') && isTemporaryFileName(name)),
      ...segmentSeqs
        .filter((firstSeq, index) => {
          if (firstSeq === continueSegment?.firstSeq) return false;
          const segmentLastSeq = scanned.get(firstSeq)?.lastSeq ?? (segmentSeqs[index + 1] ?? 0) - 1;
          return index < firstRead || segmentLastSeq <= snapshotSeq;
        })
        .map(segmentFileName),
    ];
    await this.removeFiles(redundant);

    this.log = new SegmentedLog({
      dir: this.dir,
      logger: this.logger,
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
    return this.log.append(seq, payload);
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

  /** Waits for pending appends and any snapshot being written, then closes files. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.snapshotInFlight?.catch(() => undefined);
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
      path = await writeSnapshotFile(this.dir, seq, chunks);
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
    const names = await readdir(this.dir).catch(() => []);
    await this.removeFiles(
      names.filter((name) => {
        const snapshotSeq = parseSnapshotFileName(name);
        const firstSeq = parseSegmentFileName(name);
        return (snapshotSeq !== null && snapshotSeq < seq) || (firstSeq !== null && firstSeq <= seq);
      }),
    );
    this.logger.log('info', 'store-snapshot-complete', 'snapshot written', {
      file: path,
      seq,
      chunks: chunks.length,
      durationMs: Math.round(performance.now() - startedMs),
    });
  }

  /** Removes redundant files; a failure only delays their removal until the next snapshot or start. */
  private async removeFiles(names: readonly string[]): Promise<void> {
    if (names.length === 0) return;
    const failures: string[] = [];
    for (const name of names) {
      await unlink(this.pathOf(name)).catch((error: unknown) => {
        if (errorCode(error) !== 'ENOENT') failures.push(`${name} (${errorCode(error) ?? String(error)})`);
      });
    }
    await fsyncDirectory(this.dir).catch((error: unknown) =>
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
