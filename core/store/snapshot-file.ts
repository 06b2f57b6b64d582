/**
 * Snapshot files `snapshot-<seq>.evsnap`: a header frame, one frame per
 * chunk, and a footer frame, each framed as in record-frame.ts with the
 * frame's position (0, 1, 2, ...) as its seq, so that a frame out of place is
 * detected. A snapshot is only renamed into place complete, so any flaw,
 * including a short file, is corruption.
 *
 * A snapshot received from another station is built in
 * `snapshot-<seq>.partial` (the same format, header first, so that a broken
 * transfer can be checked and continued), then renamed to
 * `snapshot-<seq>.install` once complete and flushed (see store.ts for what
 * that name means to recovery), and finally to `snapshot-<seq>.evsnap`.
 */
import { join } from 'node:path';
import { writeFileAtomic, writeFully } from './atomic-file.ts';
import { nodeFileSystem, type FileHandle, type FileSystem } from './file-system.ts';
import { CorruptStoreError, encodeFrame, scanFrames, type ScanOptions } from './record-frame.ts';

const headerMagic = 'evote-snapshot';
const footerMagic = 'evote-snapshot-end';
const formatVersion = 1;
/**
 * A header written before the chunk count is known is padded to this many
 * bytes (JSON allows trailing spaces), so the final one can replace it in place.
 */
const paddedHeaderBytes = 128;

function namePattern(extension: string): RegExp {
  return new RegExp(`^snapshot-(\\d{12,16})\\.${extension}$`);
}

function parseSeq(pattern: RegExp, name: string): number | null {
  const digits = pattern.exec(name)?.[1];
  if (digits === undefined) return null;
  const seq = Number(digits);
  return Number.isSafeInteger(seq) ? seq : null;
}

const snapshotNamePattern = namePattern('evsnap');
const partialNamePattern = namePattern('partial');
const installNamePattern = namePattern('install');

export function snapshotFileName(seq: number): string {
  return `snapshot-${String(seq).padStart(12, '0')}.evsnap`;
}

/** The seq named by a snapshot file name, or null if `name` is not a snapshot. */
export function parseSnapshotFileName(name: string): number | null {
  return parseSeq(snapshotNamePattern, name);
}

/** A snapshot being received, possibly incomplete. */
export function partialSnapshotFileName(seq: number): string {
  return `snapshot-${String(seq).padStart(12, '0')}.partial`;
}

export function parsePartialSnapshotFileName(name: string): number | null {
  return parseSeq(partialNamePattern, name);
}

/** A complete received snapshot that replaces the whole store content. */
export function installSnapshotFileName(seq: number): string {
  return `snapshot-${String(seq).padStart(12, '0')}.install`;
}

export function parseInstallSnapshotFileName(name: string): number | null {
  return parseSeq(installNamePattern, name);
}

/** Atomically writes the snapshot of the state after record `seq`; returns its path. */
export async function writeSnapshotFile(
  dir: string,
  seq: number,
  chunks: readonly Uint8Array[],
  fileSystem: FileSystem = nodeFileSystem,
): Promise<string> {
  const path = join(dir, snapshotFileName(seq));
  await writeFileAtomic(path, snapshotFrames(seq, chunks), { fileSystem });
  return path;
}

function* snapshotFrames(seq: number, chunks: readonly Uint8Array[]): Generator<Uint8Array> {
  yield encodeFrame(0, jsonBytes({ magic: headerMagic, format: formatVersion, seq, chunks: chunks.length }));
  let payloadBytes = 0;
  for (const [index, chunk] of chunks.entries()) {
    yield encodeFrame(index + 1, chunk);
    payloadBytes += chunk.length;
  }
  yield encodeFrame(
    chunks.length + 1,
    jsonBytes({ magic: footerMagic, chunks: chunks.length, payloadBytes }),
  );
}

export interface SnapshotSummary {
  readonly seq: number;
  readonly chunkCount: number;
  readonly sizeBytes: number;
}

/**
 * Reads a snapshot chunk by chunk, validating it as it goes. `expectedSeq` is
 * the seq in the file name, which the header must repeat. Throws
 * CorruptStoreError naming the file and offset of the first flaw; chunks
 * before it have already been passed on by then.
 */
export async function readSnapshotFile(
  path: string,
  expectedSeq: number,
  onStart: (seq: number) => void,
  onChunk: (chunk: Uint8Array) => void,
  options: ScanOptions = {},
): Promise<SnapshotSummary> {
  return streamSnapshotFile(path, expectedSeq, {
    ...options,
    onStart: (seq) => {
      onStart(seq);
    },
    onChunk: (_index, _count, chunk) => {
      onChunk(chunk);
    },
  });
}

export interface SnapshotStreamOptions extends ScanOptions {
  /** Called once the header is read, before any chunk. */
  readonly onStart?: (seq: number, count: number) => void;
  /** Awaited when it returns a promise, so a slow consumer slows the reading down. */
  readonly onChunk: (index: number, count: number, chunk: Uint8Array) => void | Promise<void>;
  /** Chunks before this index are read and checked but not passed on (default 0). */
  readonly fromChunk?: number;
}

/**
 * readSnapshotFile with each chunk's index and the chunk count, starting at
 * `fromChunk`. Throws RangeError if `fromChunk` exceeds the chunk count.
 */
export async function streamSnapshotFile(
  path: string,
  expectedSeq: number,
  options: SnapshotStreamOptions,
): Promise<SnapshotSummary> {
  const fromChunk = options.fromChunk ?? 0;
  if (!Number.isSafeInteger(fromChunk) || fromChunk < 0) {
    throw new RangeError(`fromChunk ${fromChunk} is not a non-negative integer`);
  }
  const corrupt = (offsetBytes: number, problem: string) =>
    new CorruptStoreError(path, offsetBytes, problem, 'snapshot');
  let chunkCount: number | null = null;
  let chunksSeen = 0;
  let payloadBytes = 0;
  let endOffsetBytes = 0;
  let footerSeen = false;

  for await (const item of scanFrames(path, scanOptionsOf(options))) {
    if (item.kind === 'torn-tail') {
      throw corrupt(item.offsetBytes, `the file ends in the middle of a record (${item.problem})`);
    }
    endOffsetBytes = item.offsetBytes + item.sizeBytes;
    if (footerSeen) throw corrupt(item.offsetBytes, 'unexpected data after the footer');
    const position = chunkCount === null ? 0 : chunksSeen + 1;
    if (item.seq !== position) {
      throw corrupt(item.offsetBytes, `record ${item.seq} found where record ${position} belongs`);
    }
    if (chunkCount === null) {
      const header = parseJsonObject(item.payload);
      if (header?.['magic'] !== headerMagic)
        throw corrupt(item.offsetBytes, 'this is not a snapshot file header');
      if (header['format'] !== formatVersion) {
        throw corrupt(
          item.offsetBytes,
          `unsupported snapshot format ${JSON.stringify(header['format'])} (this station reads format ${formatVersion})`,
        );
      }
      if (header['seq'] !== expectedSeq) {
        throw corrupt(
          item.offsetBytes,
          `the header says seq ${JSON.stringify(header['seq'])} but the file name says ${expectedSeq}`,
        );
      }
      const count = header['chunks'];
      if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0) {
        throw corrupt(item.offsetBytes, `impossible chunk count ${JSON.stringify(count)}`);
      }
      if (fromChunk > count) {
        throw new RangeError(`fromChunk ${fromChunk} is past the end of a snapshot of ${count} chunks`);
      }
      chunkCount = count;
      options.onStart?.(expectedSeq, count);
    } else if (chunksSeen < chunkCount) {
      if (chunksSeen >= fromChunk) {
        const result = options.onChunk(chunksSeen, chunkCount, item.payload);
        if (result instanceof Promise) await result;
      }
      chunksSeen++;
      payloadBytes += item.payload.length;
    } else {
      const footer = parseJsonObject(item.payload);
      if (
        footer?.['magic'] !== footerMagic ||
        footer['chunks'] !== chunkCount ||
        footer['payloadBytes'] !== payloadBytes
      ) {
        throw corrupt(item.offsetBytes, 'the footer does not match the snapshot');
      }
      footerSeen = true;
    }
  }
  if (chunkCount === null) throw corrupt(0, 'the file is empty');
  if (!footerSeen) {
    throw corrupt(
      endOffsetBytes,
      `the file ends after ${chunksSeen} of ${chunkCount} chunks, without its footer`,
    );
  }
  return { seq: expectedSeq, chunkCount, sizeBytes: endOffsetBytes };
}

function scanOptionsOf(options: ScanOptions): ScanOptions {
  return {
    ...(options.readChunkBytes === undefined ? {} : { readChunkBytes: options.readChunkBytes }),
    ...(options.endBytes === undefined ? {} : { endBytes: options.endBytes }),
    ...(options.fileSystem === undefined ? {} : { fileSystem: options.fileSystem }),
  };
}

/** What a partial snapshot file holds that can be kept: a valid header and the chunks after it. */
export interface PartialSnapshotContent {
  readonly seq: number;
  readonly count: number;
  readonly receivedChunks: number;
  readonly payloadBytes: number;
  /** Length of the header and the complete chunk frames; anything after is dropped on resume. */
  readonly validBytes: number;
}

/**
 * Reads a partial snapshot as far as it is intact. Returns null if it has no
 * valid header for `expectedSeq` with a known chunk count. A damaged or torn
 * frame, a frame out of place or the footer ends the usable part: a crash may
 * leave any of these, and every chunk before them was checked by its CRC.
 */
export async function inspectPartialSnapshot(
  path: string,
  expectedSeq: number,
  fileSystem: FileSystem = nodeFileSystem,
): Promise<PartialSnapshotContent | null> {
  let count: number | null = null;
  let receivedChunks = 0;
  let payloadBytes = 0;
  let validBytes = 0;
  try {
    for await (const item of scanFrames(path, { fileSystem })) {
      if (item.kind === 'torn-tail') break;
      if (count === null) {
        const header = item.seq === 0 ? parseJsonObject(item.payload) : null;
        const headerCount = header?.['chunks'];
        if (
          header?.['magic'] !== headerMagic ||
          header['format'] !== formatVersion ||
          header['seq'] !== expectedSeq ||
          typeof headerCount !== 'number' ||
          !Number.isSafeInteger(headerCount) ||
          headerCount < 0
        ) {
          return null;
        }
        count = headerCount;
      } else if (item.seq !== receivedChunks + 1 || receivedChunks === count) {
        break;
      } else {
        receivedChunks++;
        payloadBytes += item.payload.length;
      }
      validBytes = item.offsetBytes + item.sizeBytes;
    }
  } catch (error) {
    if (!(error instanceof CorruptStoreError)) throw error;
  }
  return count === null ? null : { seq: expectedSeq, count, receivedChunks, payloadBytes, validBytes };
}

/**
 * Writes a snapshot file chunk by chunk: header at creation, each chunk as
 * it comes, footer and flush at `finish`. With the chunk count unknown at
 * creation (null), the padded header is rewritten with the count at the end.
 */
export class SnapshotFileWriter {
  private handle: FileHandle | null;
  private chunksWrittenValue: number;
  private payloadBytes: number;
  private positionBytes: number;

  private constructor(
    readonly path: string,
    readonly seq: number,
    private readonly count: number | null,
    handle: FileHandle,
    start: { readonly chunks: number; readonly payloadBytes: number; readonly positionBytes: number },
  ) {
    this.handle = handle;
    this.chunksWrittenValue = start.chunks;
    this.payloadBytes = start.payloadBytes;
    this.positionBytes = start.positionBytes;
  }

  /** Creates (or empties) `path` and writes the header. */
  static async create(
    path: string,
    seq: number,
    count: number | null,
    fileSystem: FileSystem = nodeFileSystem,
  ): Promise<SnapshotFileWriter> {
    const handle = await fileSystem.open(path, 'w', 0o600);
    try {
      const header = headerFrame(seq, count ?? -1);
      await writeFully(handle, header, 0);
      return new SnapshotFileWriter(path, seq, count, handle, {
        chunks: 0,
        payloadBytes: 0,
        positionBytes: header.length,
      });
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw error;
    }
  }

  /**
   * Continues the partial snapshot at `path` if its header says `seq` and
   * `count`, cutting off whatever follows its last intact chunk; null if it
   * cannot be continued (absent, or for another snapshot).
   */
  static async resume(
    path: string,
    seq: number,
    count: number,
    fileSystem: FileSystem = nodeFileSystem,
  ): Promise<SnapshotFileWriter | null> {
    let content: PartialSnapshotContent | null;
    try {
      content = await inspectPartialSnapshot(path, seq, fileSystem);
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
    if (content?.count !== count) return null;
    const handle = await fileSystem.open(path, 'r+');
    try {
      await handle.truncate(content.validBytes);
      return new SnapshotFileWriter(path, seq, count, handle, {
        chunks: content.receivedChunks,
        payloadBytes: content.payloadBytes,
        positionBytes: content.validBytes,
      });
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw error;
    }
  }

  get chunksWritten(): number {
    return this.chunksWrittenValue;
  }

  /** Appends the next chunk. Rejects if the file is closed or already holds every chunk. */
  async write(chunk: Uint8Array): Promise<void> {
    const handle = this.openHandle();
    if (this.count !== null && this.chunksWrittenValue >= this.count) {
      throw new RangeError(`the snapshot already holds all of its ${this.count} chunks`);
    }
    const frame = encodeFrame(this.chunksWrittenValue + 1, chunk);
    await writeFully(handle, frame, this.positionBytes);
    this.positionBytes += frame.length;
    this.chunksWrittenValue++;
    this.payloadBytes += chunk.length;
  }

  /**
   * Writes the footer (and the final header if the count was unknown),
   * flushes and closes the file. May be called again after it failed.
   */
  async finish(): Promise<void> {
    const handle = this.openHandle();
    const count = this.count ?? this.chunksWrittenValue;
    if (this.chunksWrittenValue !== count) {
      throw new Error(`the snapshot has ${this.chunksWrittenValue} of its ${count} chunks`);
    }
    if (this.count === null) await writeFully(handle, headerFrame(this.seq, count), 0);
    const footer = encodeFrame(
      count + 1,
      jsonBytes({ magic: footerMagic, chunks: count, payloadBytes: this.payloadBytes }),
    );
    await writeFully(handle, footer, this.positionBytes);
    // A failed write may have left bytes past the footer, which a reader would take for damage.
    await handle.truncate(this.positionBytes + footer.length);
    await handle.sync();
    await this.close();
  }

  get isOpen(): boolean {
    return this.handle !== null;
  }

  /** Closes the file, keeping what was written. */
  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = null;
    await handle?.close();
  }

  private openHandle(): FileHandle {
    if (this.handle === null) throw new Error(`the snapshot file ${this.path} is closed`);
    return this.handle;
  }
}

function headerFrame(seq: number, count: number): Buffer {
  const json = JSON.stringify({ magic: headerMagic, format: formatVersion, seq, chunks: count });
  return encodeFrame(0, Buffer.from(json.padEnd(paddedHeaderBytes, ' '), 'utf8'));
}

function isNotFound(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === 'ENOENT';
}

function jsonBytes(value: Record<string, string | number>): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

function parseJsonObject(bytes: Uint8Array): Readonly<Record<string, unknown>> | null {
  try {
    const value: unknown = JSON.parse(
      Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8'),
    );
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}
