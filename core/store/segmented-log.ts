/**
 * The append-only command log: numbered opaque records in segment files
 * `log-<first seq>.evlog`, each a sequence of frames (see record-frame.ts).
 *
 * Group commit: one write and one fdatasync are in flight at a time; appends
 * arriving meanwhile wait in memory and then go to disk together, so the disk
 * flushes once per batch rather than once per record.
 *
 * Failure contract: appends become durable in order. When a batch fails, it
 * and every append made after it reject, so that the caller can undo them
 * newest first. A full disk is survivable (the partial write is cut off and
 * later appends try again); any other failure poisons the log, because after
 * a failed flush the kernel may have dropped the data it could not write, and
 * writing on would leave a hole.
 */
import { join } from 'node:path';
import type { Logger } from '../logging/logger.ts';
import { fsyncDirectory, writeFully } from './atomic-file.ts';
import { nodeFileSystem, type FileHandle, type FileSystem } from './file-system.ts';
import { encodeFrame } from './record-frame.ts';

export class StorageFullError extends Error {
  constructor(options?: ErrorOptions) {
    super(
      "the station's disk is full: the change was not recorded and nothing was changed. " +
        'Free disk space, then try again.',
      options,
    );
    this.name = 'StorageFullError';
  }
}

export class StorageFailedError extends Error {
  /** The operating system's error code, e.g. 'EIO', when there is one. */
  readonly code: string | null;

  constructor(code: string | null, options?: ErrorOptions) {
    super(
      `the station could not write to its disk (${code ?? 'unknown error'}): the change was not confirmed as recorded. ` +
        'The station takes no more changes, to protect the records it already holds; ' +
        'restart it, and if this happens again, switch to the backup station.',
      options,
    );
    this.name = 'StorageFailedError';
    this.code = code;
  }
}

/** The file operations the log uses; a FileHandle has them. Tests inject their own to count or fail calls. */
export type LogFile = Pick<FileHandle, 'write' | 'datasync' | 'truncate' | 'close'>;

/** Opens a segment: 'wx' creates a new one, 'r+' continues an existing one. */
export type OpenLogFile = (path: string, flags: 'wx' | 'r+') => Promise<LogFile>;

const segmentNamePattern = /^log-(\d{12,16})\.evlog$/;

export function segmentFileName(firstSeq: number): string {
  return `log-${String(firstSeq).padStart(12, '0')}.evlog`;
}

/** The first seq named by a segment file name, or null if `name` is not a segment. */
export function parseSegmentFileName(name: string): number | null {
  const digits = segmentNamePattern.exec(name)?.[1];
  if (digits === undefined) return null;
  const firstSeq = Number(digits);
  return Number.isSafeInteger(firstSeq) ? firstSeq : null;
}

export interface SegmentedLogOptions {
  readonly dir: string;
  readonly logger: Logger;
  /** The last durable seq; 0 for an empty log. */
  readonly lastSeq: number;
  /** An existing segment to append to, or null to start `log-<lastSeq + 1>` on the first append. */
  readonly continueSegment: { readonly firstSeq: number; readonly sizeBytes: number } | null;
  /** Bytes of records already in the log after the newest snapshot. */
  readonly bytesSinceSnapshot: number;
  /** Where the segments live (the simulator's disk in simulation/); the real one by default. */
  readonly fileSystem?: FileSystem;
  /** Opens segments; by default `fileSystem.open` with mode 0600. */
  readonly openFile?: OpenLogFile;
}

interface PendingAppend {
  readonly seq: number;
  readonly frame: Buffer;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

interface Segment {
  readonly firstSeq: number;
  readonly path: string;
  file: LogFile | null;
  exists: boolean;
  /** Length up to the last record flushed to disk; the file is never written past it except by the batch in flight. */
  durableSizeBytes: number;
}

export interface Rotation {
  /** Bytes since the last snapshot that the snapshot being written covers. */
  readonly coveredBytes: number;
  /** Settles once the previous segment's file is closed. */
  readonly previousClosed: Promise<void>;
}

export class SegmentedLog {
  private readonly dir: string;
  private readonly logger: Logger;
  private readonly files: FileSystem;
  private readonly openFile: OpenLogFile;
  private segment: Segment;
  private queue: PendingAppend[] = [];
  private batchInFlight: Promise<void> | null = null;
  /**
   * Appends not yet resolved or rejected. Idleness is judged by this, not by
   * batchInFlight, because a batch settles its appends before its promise
   * ends, and a caller that saw them settle may rotate at once.
   */
  private unsettledAppends = 0;
  /** The newest seq handed to append, durable or not. */
  private lastAcceptedSeq: number;
  private lastDurableSeq: number;
  private bytesSinceSnapshotValue: number;
  private poison: StorageFailedError | null = null;
  /**
   * Set after a full disk until the caller, having undone the failed appends,
   * appends `resumeSeq` again. Appends it made before undoing reject too.
   */
  private fullDisk: { readonly error: StorageFullError; readonly resumeSeq: number } | null = null;
  private closing = false;

  constructor(options: SegmentedLogOptions) {
    this.dir = options.dir;
    this.logger = options.logger;
    const files = options.fileSystem ?? nodeFileSystem;
    this.files = files;
    this.openFile = options.openFile ?? ((path, flags) => files.open(path, flags, 0o600));
    this.lastAcceptedSeq = options.lastSeq;
    this.lastDurableSeq = options.lastSeq;
    this.bytesSinceSnapshotValue = options.bytesSinceSnapshot;
    const continued = options.continueSegment;
    this.segment =
      continued === null
        ? this.newSegment(options.lastSeq + 1)
        : {
            firstSeq: continued.firstSeq,
            path: join(this.dir, segmentFileName(continued.firstSeq)),
            file: null,
            exists: true,
            durableSizeBytes: continued.sizeBytes,
          };
  }

  /** The newest seq known to be on disk. */
  get durableSeq(): number {
    return this.lastDurableSeq;
  }

  /** Bytes of durable records (frames) appended since the last completed snapshot. */
  get bytesSinceSnapshot(): number {
    return this.bytesSinceSnapshotValue;
  }

  /** Whether every append has settled. */
  get idle(): boolean {
    return this.unsettledAppends === 0;
  }

  get currentSegmentFirstSeq(): number {
    return this.segment.firstSeq;
  }

  /**
   * The current segment and the length of its durable records, read together
   * with durableSeq (no await in between) so a reader can stop exactly there.
   */
  get durableEnd(): { readonly firstSeq: number; readonly sizeBytes: number } {
    return { firstSeq: this.segment.firstSeq, sizeBytes: this.segment.durableSizeBytes };
  }

  /**
   * Resolves once the record is durable. `seq` must follow the previously
   * appended one; anything else is a bug in the caller and rejects with a
   * plain Error.
   */
  append(seq: number, payload: Uint8Array): Promise<void> {
    if (this.closing) return Promise.reject(new Error('the command log is closed'));
    if (this.poison !== null) return Promise.reject(this.poison);
    if (this.fullDisk !== null) {
      if (seq === this.fullDisk.resumeSeq) {
        this.fullDisk = null;
        this.lastAcceptedSeq = seq - 1;
      } else if (seq === this.lastAcceptedSeq + 1) {
        this.lastAcceptedSeq = seq;
        return Promise.reject(this.fullDisk.error);
      }
    }
    if (seq !== this.lastAcceptedSeq + 1) {
      return Promise.reject(
        new Error(`append out of order: expected seq ${this.lastAcceptedSeq + 1}, got ${seq}`),
      );
    }
    let frame: Buffer;
    try {
      frame = encodeFrame(seq, payload);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    this.lastAcceptedSeq = seq;
    this.unsettledAppends++;
    return new Promise<void>((resolve, reject) => {
      this.queue.push({
        seq,
        frame,
        resolve: () => {
          this.unsettledAppends--;
          resolve();
        },
        reject: (error) => {
          this.unsettledAppends--;
          reject(error);
        },
      });
      this.startBatch();
    });
  }

  /**
   * Switches appends to a new segment starting after the last durable record,
   * synchronously, so that everything before the switch can be covered by a
   * snapshot. Requires an idle log. An empty current segment that already
   * starts there is kept.
   */
  rotate(): Rotation {
    if (!this.idle) throw new Error('cannot switch log segments while appends are pending');
    const coveredBytes = this.bytesSinceSnapshotValue;
    const previous = this.segment;
    if (previous.firstSeq === this.lastDurableSeq + 1)
      return { coveredBytes, previousClosed: Promise.resolve() };
    this.segment = this.newSegment(this.lastDurableSeq + 1);
    return { coveredBytes, previousClosed: previous.file?.close() ?? Promise.resolve() };
  }

  /** A snapshot covering `coveredBytes` (from rotate) is durable. */
  snapshotDurable(coveredBytes: number): void {
    this.bytesSinceSnapshotValue -= coveredBytes;
  }

  /** Refuses new appends, waits for pending ones, and closes the segment file. */
  async close(): Promise<void> {
    this.closing = true;
    while (this.batchInFlight !== null) await this.batchInFlight;
    const file = this.segment.file;
    this.segment.file = null;
    await file?.close();
  }

  private newSegment(firstSeq: number): Segment {
    return {
      firstSeq,
      path: join(this.dir, segmentFileName(firstSeq)),
      file: null,
      exists: false,
      durableSizeBytes: 0,
    };
  }

  private startBatch(): void {
    if (this.batchInFlight !== null || this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    this.batchInFlight = this.writeBatch(batch).finally(() => {
      this.batchInFlight = null;
      this.startBatch();
    });
  }

  /** Never rejects: every outcome is delivered to the batch's appends. */
  private async writeBatch(batch: PendingAppend[]): Promise<void> {
    const segment = this.segment;
    const frames = batch.map((pending) => pending.frame);
    const buffer = frames.length === 1 && frames[0] !== undefined ? frames[0] : Buffer.concat(frames);
    let file: LogFile;
    try {
      file = await this.segmentFile(segment);
    } catch (error) {
      // Nothing was written, so a full disk leaves nothing to undo.
      if (errorCode(error) === 'ENOSPC') this.failFull(batch, error, segment);
      else this.failPoisoned(batch, error, segment);
      return;
    }
    try {
      await writeFully(file, buffer, segment.durableSizeBytes);
    } catch (error) {
      const cutBack = await this.cutBackToDurable(file, segment);
      if (errorCode(error) === 'ENOSPC' && cutBack) this.failFull(batch, error, segment);
      else this.failPoisoned(batch, error, segment);
      return;
    }
    try {
      await file.datasync();
    } catch (error) {
      // Best effort: the outcome is unknown either way, and the log is poisoned.
      await this.cutBackToDurable(file, segment);
      this.failPoisoned(batch, error, segment);
      return;
    }
    segment.durableSizeBytes += buffer.length;
    this.bytesSinceSnapshotValue += buffer.length;
    this.lastDurableSeq = batch[batch.length - 1]?.seq ?? this.lastDurableSeq;
    for (const pending of batch) pending.resolve();
  }

  private async segmentFile(segment: Segment): Promise<LogFile> {
    if (segment.file !== null) return segment.file;
    if (segment.exists) {
      segment.file = await this.openFile(segment.path, 'r+');
      return segment.file;
    }
    segment.file = await this.openFile(segment.path, 'wx');
    segment.exists = true;
    // Without this a crash could lose the new file's directory entry, and its records with it.
    await fsyncDirectory(this.dir, this.files);
    return segment.file;
  }

  /**
   * Cuts off whatever part of a failed batch reached the file, and flushes the
   * new length so the cut records cannot reappear after a crash: the caller
   * is told they were not recorded. Says whether that worked.
   */
  private async cutBackToDurable(file: LogFile, segment: Segment): Promise<boolean> {
    try {
      await file.truncate(segment.durableSizeBytes);
      await file.datasync();
      return true;
    } catch {
      return false;
    }
  }

  private failFull(batch: PendingAppend[], cause: unknown, segment: Segment): void {
    const error = new StorageFullError({ cause });
    this.fullDisk = { error, resumeSeq: this.lastDurableSeq + 1 };
    this.logger.log('warn', 'store-write-failed', 'the disk is full; the latest changes were not recorded', {
      file: segment.path,
      code: 'ENOSPC',
      durableSizeBytes: segment.durableSizeBytes,
      rejectedAppends: batch.length + this.queue.length,
    });
    this.rejectFrom(batch, error);
  }

  private failPoisoned(batch: PendingAppend[], cause: unknown, segment: Segment): void {
    const code = errorCode(cause) ?? null;
    const error = new StorageFailedError(code, { cause });
    this.poison = error;
    this.logger.log(
      'error',
      'store-write-failed',
      'writing the command log failed; the log takes no more records',
      {
        file: segment.path,
        code,
        durableSizeBytes: segment.durableSizeBytes,
        rejectedAppends: batch.length + this.queue.length,
        detail: cause instanceof Error ? cause.message : String(cause),
      },
    );
    this.rejectFrom(batch, error);
  }

  /** Rejects the failed batch and everything queued after it, oldest first. */
  private rejectFrom(batch: PendingAppend[], error: Error): void {
    const later = this.queue;
    this.queue = [];
    for (const pending of [...batch, ...later]) pending.reject(error);
  }
}

export function errorCode(error: unknown): string | undefined {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}
