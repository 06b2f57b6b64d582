/**
 * The on-disk frame shared by log segments and snapshot files:
 *
 *   u32 LE payload length | u32 LE CRC-32 of (seq bytes, payload) | u64 LE seq | payload
 *
 * The checksum covers the seq so that a record cannot be read back under the
 * wrong number. Files are read in bounded chunks, never whole, because a log
 * segment may hold a gigabyte.
 */
import { crc32 } from 'node:zlib';
import { limits } from '../protocol/limits.ts';
import { nodeFileSystem, type FileHandle, type FileSystem } from './file-system.ts';

export const frameHeaderBytes = 16;
const defaultReadChunkBytes = 1024 * 1024;

/**
 * Stored data that cannot be trusted. The station refuses to start rather
 * than drop or guess at data, so the message tells a poll official what to do.
 */
export class CorruptStoreError extends Error {
  readonly file: string;
  readonly offsetBytes: number;

  constructor(file: string, offsetBytes: number, problem: string, subject = 'record') {
    super(
      `corrupt ${subject} in ${file} at byte offset ${offsetBytes}: ${problem}; ` +
        'the station will not start so that no data is silently dropped. ' +
        'Restore this file from the backup station or contact support.',
    );
    this.name = 'CorruptStoreError';
    this.file = file;
    this.offsetBytes = offsetBytes;
  }
}

export function encodeFrame(seq: number, payload: Uint8Array): Buffer {
  if (!Number.isSafeInteger(seq) || seq < 0)
    throw new RangeError(`record seq ${seq} is not a safe non-negative integer`);
  if (payload.length > limits.storeRecordBytesMax) {
    throw new RangeError(
      `record of ${payload.length} bytes exceeds the limit of ${limits.storeRecordBytesMax} bytes`,
    );
  }
  const frame = Buffer.allocUnsafe(frameHeaderBytes + payload.length);
  frame.writeUInt32LE(payload.length, 0);
  frame.writeBigUInt64LE(BigInt(seq), 8);
  frame.set(payload, frameHeaderBytes);
  frame.writeUInt32LE(frameChecksum(frame.subarray(8, 16), payload), 4);
  return frame;
}

function frameChecksum(seqBytes: Uint8Array, payload: Uint8Array): number {
  return crc32(payload, crc32(seqBytes));
}

export interface ScannedFrame {
  readonly kind: 'frame';
  readonly offsetBytes: number;
  /** Header and payload. */
  readonly sizeBytes: number;
  readonly seq: number;
  readonly payload: Uint8Array;
}

/** The file ends in a frame that was being written when the station stopped. */
export interface TornTail {
  readonly kind: 'torn-tail';
  readonly offsetBytes: number;
  readonly fileSizeBytes: number;
  readonly problem: string;
}

export interface ScanOptions {
  /** Bytes per read; tests use tiny values to cross chunk boundaries. */
  readonly readChunkBytes?: number;
  /**
   * Treat the file as ending here (if it is longer): a reader of a segment
   * being appended to stops at what was durable, never at a half-written frame.
   */
  readonly endBytes?: number;
  /** Where the file lives (the simulator's disk in simulation/); the real one by default. */
  readonly fileSystem?: FileSystem;
}

/**
 * Yields every frame of `path` in order with its byte offset, and at most one
 * torn tail, which is always the last item. Throws CorruptStoreError for a bad
 * frame that is followed by more data.
 *
 * A bad frame followed only by zero bytes also counts as a torn tail: some
 * file systems extend a file before its data reaches the disk, so a crash can
 * leave zeros after the last complete record. Zeros hold no records, so
 * nothing is dropped by cutting them off.
 */
export async function* scanFrames(
  path: string,
  options: ScanOptions = {},
): AsyncGenerator<ScannedFrame | TornTail> {
  const handle = await (options.fileSystem ?? nodeFileSystem).open(path, 'r');
  try {
    yield* scanOpenFile(handle, path, options);
  } finally {
    await handle.close();
  }
}

/**
 * scanFrames on a file the caller has opened (and closes): a reader that
 * opened its files up front can go on reading one that has since been
 * deleted, since an open file stays readable after it is unlinked.
 */
export async function* scanOpenFile(
  handle: FileHandle,
  path: string,
  options: ScanOptions = {},
): AsyncGenerator<ScannedFrame | TornTail> {
  const readChunkBytes = options.readChunkBytes ?? defaultReadChunkBytes;
  const statSizeBytes = (await handle.stat()).size;
  const fileSizeBytes =
    options.endBytes === undefined ? statSizeBytes : Math.min(statSizeBytes, options.endBytes);
  let readPositionBytes = 0;
  /** Bytes read but not yet consumed; they start at file offset `offsetBytes`. */
  let pending: Buffer = Buffer.alloc(0);
  let offsetBytes = 0;

  /** Reads until `count` bytes are pending or the file ends; says whether they are. */
  const fill = async (count: number): Promise<boolean> => {
    while (pending.length < count && readPositionBytes < fileSizeBytes) {
      const wantedBytes = Math.min(
        Math.max(readChunkBytes, count - pending.length),
        fileSizeBytes - readPositionBytes,
      );
      const chunk = Buffer.allocUnsafe(wantedBytes);
      const { bytesRead } = await handle.read(chunk, 0, wantedBytes, readPositionBytes);
      if (bytesRead === 0) break; // The file shrank under us: treat it as ending here.
      readPositionBytes += bytesRead;
      pending =
        pending.length === 0
          ? chunk.subarray(0, bytesRead)
          : Buffer.concat([pending, chunk.subarray(0, bytesRead)]);
    }
    return pending.length >= count;
  };

  /** Whether every byte from file offset `fromBytes` to the end is zero. */
  const onlyZerosFrom = async (fromBytes: number): Promise<boolean> => {
    const chunk = Buffer.allocUnsafe(Math.min(readChunkBytes, Math.max(fileSizeBytes - fromBytes, 1)));
    for (let position = fromBytes; position < fileSizeBytes;) {
      const { bytesRead } = await handle.read(
        chunk,
        0,
        Math.min(chunk.length, fileSizeBytes - position),
        position,
      );
      if (bytesRead === 0) break;
      for (let index = 0; index < bytesRead; index++) if (chunk[index] !== 0) return false;
      position += bytesRead;
    }
    return true;
  };

  const badFrame = async (frameEndBytes: number, problem: string): Promise<TornTail> => {
    if (frameEndBytes >= fileSizeBytes || (await onlyZerosFrom(frameEndBytes))) {
      return { kind: 'torn-tail', offsetBytes, fileSizeBytes, problem };
    }
    throw new CorruptStoreError(path, offsetBytes, problem);
  };

  while (await fill(1)) {
    if (!(await fill(frameHeaderBytes))) {
      yield {
        kind: 'torn-tail',
        offsetBytes,
        fileSizeBytes,
        problem: 'the file ends inside a record header',
      };
      return;
    }
    const payloadBytes = pending.readUInt32LE(0);
    if (payloadBytes > limits.storeRecordBytesMax) {
      yield await badFrame(offsetBytes + frameHeaderBytes, `impossible record length ${payloadBytes}`);
      return;
    }
    const frameBytes = frameHeaderBytes + payloadBytes;
    if (!(await fill(frameBytes))) {
      yield { kind: 'torn-tail', offsetBytes, fileSizeBytes, problem: 'the file ends inside a record' };
      return;
    }
    const seqBytes = pending.subarray(8, 16);
    const payload = pending.subarray(frameHeaderBytes, frameBytes);
    if (frameChecksum(seqBytes, payload) !== pending.readUInt32LE(4)) {
      yield await badFrame(offsetBytes + frameBytes, 'checksum mismatch');
      return;
    }
    const seq = pending.readBigUInt64LE(8);
    // The checksum matched, so this is what was written: no crash explains it.
    if (seq > BigInt(Number.MAX_SAFE_INTEGER))
      throw new CorruptStoreError(path, offsetBytes, `impossible seq ${seq}`);
    // A copy, so that a kept payload does not pin a whole read chunk in memory.
    yield {
      kind: 'frame',
      offsetBytes,
      sizeBytes: frameBytes,
      seq: Number(seq),
      payload: Buffer.from(payload),
    };
    pending = pending.subarray(frameBytes);
    offsetBytes += frameBytes;
  }
}
