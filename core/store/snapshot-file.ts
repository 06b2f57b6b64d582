/**
 * Snapshot files `snapshot-<seq>.evsnap`: a header frame, one frame per
 * chunk, and a footer frame, each framed as in record-frame.ts with the
 * frame's position (0, 1, 2, ...) as its seq, so that a frame out of place is
 * detected. A snapshot is only renamed into place complete, so any flaw,
 * including a short file, is corruption.
 */
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-file.ts';
import { CorruptStoreError, encodeFrame, scanFrames, type ScanOptions } from './record-frame.ts';

const headerMagic = 'evote-snapshot';
const footerMagic = 'evote-snapshot-end';
const formatVersion = 1;
const snapshotNamePattern = /^snapshot-(\d{12,16})\.evsnap$/;

export function snapshotFileName(seq: number): string {
  return `snapshot-${String(seq).padStart(12, '0')}.evsnap`;
}

/** The seq named by a snapshot file name, or null if `name` is not a snapshot. */
export function parseSnapshotFileName(name: string): number | null {
  const digits = snapshotNamePattern.exec(name)?.[1];
  if (digits === undefined) return null;
  const seq = Number(digits);
  return Number.isSafeInteger(seq) ? seq : null;
}

/** Atomically writes the snapshot of the state after record `seq`; returns its path. */
export async function writeSnapshotFile(
  dir: string,
  seq: number,
  chunks: readonly Uint8Array[],
): Promise<string> {
  const path = join(dir, snapshotFileName(seq));
  await writeFileAtomic(path, snapshotFrames(seq, chunks));
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
  const corrupt = (offsetBytes: number, problem: string) =>
    new CorruptStoreError(path, offsetBytes, problem, 'snapshot');
  let chunkCount: number | null = null;
  let chunksSeen = 0;
  let payloadBytes = 0;
  let endOffsetBytes = 0;
  let footerSeen = false;

  for await (const item of scanFrames(path, options)) {
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
      chunkCount = count;
      onStart(expectedSeq);
    } else if (chunksSeen < chunkCount) {
      onChunk(item.payload);
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
