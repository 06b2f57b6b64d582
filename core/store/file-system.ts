/**
 * The file operations the durable store, the station identity and the epoch
 * record use, and nothing more. They are injected (`Station.open`'s
 * `fileSystem`, default `nodeFileSystem`) so that the deterministic simulator
 * (simulation/) runs the real code on a simulated disk whose writes are lost
 * by a crash until they are flushed.
 *
 * The semantics are those of POSIX as the store relies on them: data written
 * to a file is durable once the file is flushed (`datasync` or `sync`); the
 * creation, renaming or removal of a directory entry is durable once the
 * directory is flushed (open it with 'r' and `sync` it); an open file stays
 * readable after it is unlinked. Failures reject with an Error whose `code`
 * is the operating system's (ENOENT, EEXIST, ENOSPC, EIO, ...).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';

/** 'r' read, 'r+' read and write, 'w' create or empty, 'wx' create a new file (EEXIST if present). */
export type OpenFlags = 'r' | 'r+' | 'w' | 'wx';

export interface FileHandle {
  read(
    buffer: Uint8Array,
    offset: number,
    length: number,
    position: number,
  ): Promise<{ readonly bytesRead: number }>;
  write(
    buffer: Uint8Array,
    offset: number,
    length: number,
    position: number,
  ): Promise<{ readonly bytesWritten: number }>;
  /** Makes the file's data and length durable. */
  datasync(): Promise<void>;
  /** As datasync, with the rest of the metadata; on a directory, makes changes to its entries durable. */
  sync(): Promise<void>;
  truncate(lengthBytes: number): Promise<void>;
  stat(): Promise<{ readonly size: number }>;
  close(): Promise<void>;
}

export interface FileSystem {
  open(path: string, flags: OpenFlags, mode?: number): Promise<FileHandle>;
  readFile(path: string, encoding: 'utf8'): Promise<string>;
  /** The names in a directory, in no particular order. */
  readdir(path: string): Promise<string[]>;
  /** Replaces `newPath` if it exists, atomically. */
  rename(oldPath: string, newPath: string): Promise<void>;
  unlink(path: string): Promise<void>;
  mkdir(path: string, options: { readonly recursive: true; readonly mode: number }): Promise<void>;
  /**
   * 16 hex digits for naming a temporary file: from the operating system's
   * random source on a real disk, from the seed in the simulator.
   */
  temporarySuffix(): string;
}

export const nodeFileSystem: FileSystem = {
  open: (path, flags, mode) => open(path, flags, mode),
  readFile: (path, encoding) => readFile(path, encoding),
  readdir: (path) => readdir(path),
  rename: (oldPath, newPath) => rename(oldPath, newPath),
  unlink: (path) => unlink(path),
  mkdir: async (path, options) => {
    await mkdir(path, options);
  },
  temporarySuffix: () => randomBytes(8).toString('hex'),
};
