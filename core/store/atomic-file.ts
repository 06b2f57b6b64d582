/**
 * Replacing a file so that a crash leaves either the old or the new content,
 * never a mix: write a temporary file next to it, flush it, rename it over the
 * target, then flush the directory so that the rename itself is durable.
 */
import { basename, dirname, join } from 'node:path';
import { nodeFileSystem, type FileHandle, type FileSystem } from './file-system.ts';

export type AtomicFileData = string | Uint8Array | Iterable<Uint8Array>;

export interface AtomicFileOptions {
  /** Permission bits of a newly created file; private to the station by default. */
  readonly mode?: number;
  /** Where the file lives (the simulator's disk in simulation/); the real one by default. */
  readonly fileSystem?: FileSystem;
}

const temporaryMarker = '.tmp-';
const temporaryNamePattern = /\.tmp-[0-9a-f]{16}$/;
/** Small pieces are gathered into writes of about this size. */
const writeBatchBytes = 1024 * 1024;

/** Whether `name` is a temporary file left behind by writeFileAtomic (e.g. after a crash). */
export function isTemporaryFileName(name: string): boolean {
  return temporaryNamePattern.test(name);
}

/**
 * Atomically replaces `path` with `data`. Pieces of an iterable are written in
 * order as they are produced, so a large file never has to sit in memory
 * whole. On failure the temporary file is removed and the target is untouched.
 */
export async function writeFileAtomic(
  path: string,
  data: AtomicFileData,
  options: AtomicFileOptions = {},
): Promise<void> {
  const files = options.fileSystem ?? nodeFileSystem;
  const dir = dirname(path);
  const temporaryPath = join(dir, `${basename(path)}${temporaryMarker}${files.temporarySuffix()}`);
  let handle: FileHandle | null = await files.open(temporaryPath, 'wx', options.mode ?? 0o600);
  try {
    await writePieces(
      handle,
      typeof data === 'string' ? [Buffer.from(data, 'utf8')] : isBytes(data) ? [data] : data,
    );
    await handle.sync();
    await handle.close();
    handle = null;
    await files.rename(temporaryPath, path);
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await files.unlink(temporaryPath).catch(() => undefined);
    throw error;
  }
  await fsyncDirectory(dir, files);
}

/** Makes the creation, renaming or removal of entries in `dir` durable. */
export async function fsyncDirectory(dir: string, files: FileSystem = nodeFileSystem): Promise<void> {
  // Windows cannot open a directory for flushing; NTFS journals renames itself.
  if (process.platform === 'win32' && files === nodeFileSystem) return;
  const handle = await files.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** The one file operation writeFully needs; a FileHandle has it. */
export type PositionalWriter = Pick<FileHandle, 'write'>;

/** Writes all of `buffer` at `positionBytes`, continuing after short writes. */
export async function writeFully(
  handle: PositionalWriter,
  buffer: Uint8Array,
  positionBytes: number,
): Promise<void> {
  for (let doneBytes = 0; doneBytes < buffer.length;) {
    const { bytesWritten } = await handle.write(
      buffer,
      doneBytes,
      buffer.length - doneBytes,
      positionBytes + doneBytes,
    );
    // A write that makes no progress would otherwise loop forever.
    if (bytesWritten <= 0)
      throw new Error(`write made no progress at byte offset ${positionBytes + doneBytes}`);
    doneBytes += bytesWritten;
  }
}

function isBytes(data: Uint8Array | Iterable<Uint8Array>): data is Uint8Array {
  return data instanceof Uint8Array;
}

async function writePieces(handle: FileHandle, pieces: Iterable<Uint8Array>): Promise<void> {
  let positionBytes = 0;
  let gathered: Uint8Array[] = [];
  let gatheredBytes = 0;
  const flush = async (): Promise<void> => {
    const buffer = gathered.length === 1 && gathered[0] !== undefined ? gathered[0] : Buffer.concat(gathered);
    await writeFully(handle, buffer, positionBytes);
    positionBytes += buffer.length;
    gathered = [];
    gatheredBytes = 0;
  };
  for (const piece of pieces) {
    if (piece.length >= writeBatchBytes) {
      if (gatheredBytes > 0) await flush();
      await writeFully(handle, piece, positionBytes);
      positionBytes += piece.length;
      continue;
    }
    gathered.push(piece);
    gatheredBytes += piece.length;
    if (gatheredBytes >= writeBatchBytes) await flush();
  }
  if (gatheredBytes > 0) await flush();
}
