/**
 * A simulated disk with the durability rules the store relies on (see
 * core/store/file-system.ts), so that the real store code can be crashed at
 * any point:
 *
 * - Data written to a file (and a change of its length) is volatile until the
 *   file is flushed (`datasync`/`sync`).
 * - Creating, renaming and removing a directory entry is volatile until the
 *   directory is flushed (opened with 'r' and `sync`ed).
 * - A machine crash (power loss) drops everything volatile. With torn writes
 *   on, a seeded prefix of the unflushed changes of each file and directory
 *   survives instead, the last surviving write possibly cut short: what a
 *   disk that wrote some of its cache in order before the power went looks
 *   like. A process crash (SIGKILL) loses nothing that was written: the
 *   operating system still has it.
 * - Every operation takes seeded virtual time and takes effect when it
 *   completes; one still in progress when its process dies never completes.
 *   An open file stays readable after it is unlinked.
 *
 * `lyingFlush` is a deliberately broken disk for checking the simulator: a
 * flush answers at once and only makes the data durable some time later.
 */
import type { FileHandle, FileSystem, OpenFlags } from '../core/store/file-system.ts';
import type { EventLoop } from './event-loop.ts';
import type { Random } from './random.ts';

export class SimFileSystemError extends Error {
  constructor(
    readonly code: string,
    operation: string,
    path: string,
  ) {
    // The store expects some of these (ENOENT above all); a stack trace would cost more than the operation.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(`${code}: ${operation} '${path}' (simulated disk)`);
    Error.stackTraceLimit = stackTraceLimit;
    this.name = 'SimFileSystemError';
  }
}

type FileChange =
  | {
      readonly kind: 'write';
      readonly positionBytes: number;
      readonly oldSizeBytes: number;
      readonly oldBytes: Uint8Array;
      readonly newBytes: Uint8Array;
    }
  | {
      readonly kind: 'truncate';
      readonly oldSizeBytes: number;
      readonly newSizeBytes: number;
      readonly removedBytes: Uint8Array;
    };

class Inode {
  private data = new Uint8Array(0);
  sizeBytes = 0;
  /** Changes since the last flush, oldest first. */
  pending: FileChange[] = [];

  read(target: Uint8Array, offset: number, length: number, positionBytes: number): number {
    const count = Math.max(0, Math.min(length, this.sizeBytes - positionBytes));
    target.set(this.data.subarray(positionBytes, positionBytes + count), offset);
    return count;
  }

  contents(): Uint8Array {
    return this.data.slice(0, this.sizeBytes);
  }

  write(positionBytes: number, bytes: Uint8Array): void {
    const oldSizeBytes = this.sizeBytes;
    const oldBytes = this.data.slice(positionBytes, Math.min(positionBytes + bytes.length, oldSizeBytes));
    this.pending.push({ kind: 'write', positionBytes, oldSizeBytes, oldBytes, newBytes: bytes.slice() });
    this.applyWrite(positionBytes, bytes);
  }

  truncate(lengthBytes: number): void {
    const oldSizeBytes = this.sizeBytes;
    const removedBytes = this.data.slice(Math.min(lengthBytes, oldSizeBytes), oldSizeBytes);
    this.pending.push({ kind: 'truncate', oldSizeBytes, newSizeBytes: lengthBytes, removedBytes });
    this.applyTruncate(lengthBytes);
  }

  /** Undoes every unflushed change, then redoes the first `keep` (the last cut to `tornBytes` if given). */
  crash(keep: number, tornBytes: number | null): void {
    const changes = this.pending;
    this.pending = [];
    for (const change of [...changes].reverse()) {
      if (change.kind === 'write') {
        this.data.set(change.oldBytes, change.positionBytes);
        this.sizeBytes = change.oldSizeBytes;
      } else {
        this.ensureCapacity(change.oldSizeBytes);
        this.data.set(change.removedBytes, change.newSizeBytes);
        this.sizeBytes = change.oldSizeBytes;
      }
    }
    changes.slice(0, keep).forEach((change, index) => {
      if (change.kind === 'truncate') {
        this.applyTruncate(change.newSizeBytes);
        return;
      }
      const cut = index === keep - 1 && tornBytes !== null;
      this.applyWrite(change.positionBytes, cut ? change.newBytes.subarray(0, tornBytes) : change.newBytes);
    });
  }

  private applyWrite(positionBytes: number, bytes: Uint8Array): void {
    const endBytes = positionBytes + bytes.length;
    this.ensureCapacity(endBytes);
    if (positionBytes > this.sizeBytes) this.data.fill(0, this.sizeBytes, positionBytes);
    this.data.set(bytes, positionBytes);
    this.sizeBytes = Math.max(this.sizeBytes, endBytes);
  }

  private applyTruncate(lengthBytes: number): void {
    this.ensureCapacity(lengthBytes);
    if (lengthBytes > this.sizeBytes) this.data.fill(0, this.sizeBytes, lengthBytes);
    this.sizeBytes = lengthBytes;
  }

  private ensureCapacity(bytes: number): void {
    if (this.data.length >= bytes) return;
    const grown = new Uint8Array(Math.max(bytes, this.data.length * 2, 4096));
    grown.set(this.data.subarray(0, this.sizeBytes));
    this.data = grown;
  }
}

type Entry = Inode | Directory;

interface EntryChange {
  readonly name: string;
  readonly before: Entry | undefined;
  readonly after: Entry | undefined;
}

class Directory {
  readonly entries = new Map<string, Entry>();
  /** Groups of entry changes (a rename is one group) since the last flush, oldest first. */
  pending: (readonly EntryChange[])[] = [];

  change(changes: readonly EntryChange[]): void {
    this.pending.push(changes);
    this.apply(changes);
  }

  crash(keep: number): void {
    const groups = this.pending;
    this.pending = [];
    for (const group of [...groups].reverse()) {
      for (const change of [...group].reverse()) this.set(change.name, change.before);
    }
    for (const group of groups.slice(0, keep)) this.apply(group);
  }

  private apply(changes: readonly EntryChange[]): void {
    for (const change of changes) this.set(change.name, change.after);
  }

  private set(name: string, entry: Entry | undefined): void {
    if (entry === undefined) this.entries.delete(name);
    else this.entries.set(name, entry);
  }
}

export interface DiskOptions {
  readonly loop: EventLoop;
  readonly random: Random;
  /** A broken disk for checking the simulator: flushes answer before the data is durable. */
  readonly lyingFlush?: boolean;
}

/** What a machine crash did to the disk. */
export interface CrashEffect {
  /** Unflushed file changes dropped. */
  readonly droppedChanges: number;
  /** Writes left cut short. */
  readonly tornWrites: number;
}

export class SimDisk {
  readonly loop: EventLoop;
  readonly random: Random;
  readonly lyingFlush: boolean;
  private readonly root = new Directory();
  /** Files and directories with unflushed changes. */
  private readonly dirtyFiles = new Set<Inode>();
  private readonly dirtyDirectories = new Set<Directory>();
  private mounted: DiskView | null = null;
  /** Counts crashes, so that a lying flush scheduled before one does not apply after it. */
  private generation = 0;
  private readonly unflushedWaiters: (() => void)[] = [];

  constructor(options: DiskOptions) {
    this.loop = options.loop;
    this.random = options.random;
    this.lyingFlush = options.lyingFlush ?? false;
  }

  /** Creates `path` (and its parents) durably, as a directory prepared before the run. */
  prepareDirectory(path: string): void {
    let directory = this.root;
    for (const name of components(path)) {
      let next = directory.entries.get(name);
      if (next === undefined) {
        next = new Directory();
        directory.entries.set(name, next);
      }
      if (!(next instanceof Directory)) throw new SimFileSystemError('ENOTDIR', 'mkdir', path);
      directory = next;
    }
  }

  /** The file system a newly started process sees. The previous process must be gone. */
  mount(): FileSystem {
    if (this.mounted?.alive === true) throw new Error('the disk is already in use by a running process');
    this.mounted = new DiskView(this);
    return this.mounted;
  }

  /**
   * The process using the disk dies: its operations in progress never
   * complete. With `machine`, the power went too: unflushed changes are lost
   * (or, with `torn`, partly kept).
   */
  crash(machine: boolean, torn: boolean): CrashEffect {
    if (this.mounted !== null) this.mounted.alive = false;
    this.mounted = null;
    if (!machine) return { droppedChanges: 0, tornWrites: 0 };
    this.generation += 1;
    let droppedChanges = 0;
    let tornWrites = 0;
    for (const inode of this.dirtyFiles) {
      const count = inode.pending.length;
      const keep = torn ? this.random.int(0, count) : 0;
      const last = inode.pending[keep - 1];
      let tornBytes: number | null = null;
      if (torn && last?.kind === 'write' && last.newBytes.length > 1 && this.random.chance(0.75)) {
        tornBytes = this.random.int(1, last.newBytes.length - 1);
        tornWrites += 1;
      }
      droppedChanges += count - keep;
      inode.crash(keep, tornBytes);
    }
    for (const directory of this.dirtyDirectories) {
      const count = directory.pending.length;
      const keep = torn ? this.random.int(0, count) : 0;
      droppedChanges += count - keep;
      directory.crash(keep);
    }
    this.dirtyFiles.clear();
    this.dirtyDirectories.clear();
    return { droppedChanges, tornWrites };
  }

  /** Whether some file holds written data that is not flushed yet. */
  get hasUnflushedWrites(): boolean {
    for (const inode of this.dirtyFiles)
      if (inode.pending.some((change) => change.kind === 'write')) return true;
    return false;
  }

  /** Calls `callback` (from the event loop) as soon as some file holds unflushed written data. */
  whenUnflushed(callback: () => void): void {
    if (this.hasUnflushedWrites) this.loop.after(0, callback);
    else this.unflushedWaiters.push(callback);
  }

  /** The content of a file as it is now (volatile changes included); for tests. */
  peek(path: string): Uint8Array | null {
    const entry = this.lookup(path, 'peek').entry;
    return entry instanceof Inode ? entry.contents() : null;
  }

  /** The names in a directory as they are now; for tests. */
  list(path: string): string[] {
    const entry = this.lookup(path, 'list').entry;
    return entry instanceof Directory ? [...entry.entries.keys()].sort() : [];
  }

  /** @internal */
  lookup(
    path: string,
    operation: string,
  ): { readonly parent: Directory; readonly name: string; readonly entry: Entry | undefined } {
    const names = components(path);
    const name = names.pop();
    if (name === undefined) throw new SimFileSystemError('EINVAL', operation, path);
    let parent = this.root;
    for (const part of names) {
      const next = parent.entries.get(part);
      if (next === undefined) throw new SimFileSystemError('ENOENT', operation, path);
      if (!(next instanceof Directory)) throw new SimFileSystemError('ENOTDIR', operation, path);
      parent = next;
    }
    return { parent, name, entry: parent.entries.get(name) };
  }

  /** @internal */
  changeDirectory(directory: Directory, changes: readonly EntryChange[]): void {
    directory.change(changes);
    this.dirtyDirectories.add(directory);
  }

  /** @internal */
  changed(inode: Inode): void {
    this.dirtyFiles.add(inode);
    if (this.unflushedWaiters.length > 0 && this.hasUnflushedWrites) {
      for (const callback of this.unflushedWaiters.splice(0)) this.loop.after(0, callback);
    }
  }

  /** @internal Makes what is pending on a file or directory durable (at once, or later if the flush lies). */
  flush(target: Inode | Directory): void {
    const count = target.pending.length;
    const settle = (): void => {
      target.pending.splice(0, count);
      if (target.pending.length > 0) return;
      if (target instanceof Inode) this.dirtyFiles.delete(target);
      else this.dirtyDirectories.delete(target);
    };
    if (!this.lyingFlush) {
      settle();
      return;
    }
    const generation = this.generation;
    this.loop.after(this.random.between(5, 60), () => {
      if (generation === this.generation) settle();
    });
  }

  /** @internal Virtual time an operation takes. */
  latencyMs(kind: 'metadata' | 'read' | 'write' | 'flush', bytes = 0): number {
    switch (kind) {
      case 'metadata':
        return this.random.between(0.01, 0.1);
      case 'read':
        return this.random.between(0.005, 0.05) + bytes / 2e6;
      case 'write':
        return this.random.between(0.01, 0.1) + bytes / 5e5;
      case 'flush':
        return this.random.chance(0.03) ? this.random.between(10, 40) : this.random.between(0.3, 3);
    }
  }
}

function components(path: string): string[] {
  if (!path.startsWith('/')) throw new SimFileSystemError('EINVAL', 'resolve', path);
  return path.split('/').filter((part) => part !== '' && part !== '.');
}

/** One process's view of the disk: a FileSystem whose operations stop completing when the process dies. */
class DiskView implements FileSystem {
  alive = true;

  constructor(private readonly disk: SimDisk) {}

  /** Runs `action` once the operation's time has passed, if the process still lives. */
  operation<T>(kind: 'metadata' | 'read' | 'write' | 'flush', bytes: number, action: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (!this.alive) return;
      this.disk.loop.after(this.disk.latencyMs(kind, bytes), () => {
        if (!this.alive) return;
        try {
          resolve(action());
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
    });
  }

  open(path: string, flags: OpenFlags): Promise<FileHandle> {
    return this.operation('metadata', 0, () => {
      const { parent, name, entry } = this.disk.lookup(path, 'open');
      if (entry instanceof Directory) {
        if (flags !== 'r') throw new SimFileSystemError('EISDIR', 'open', path);
        return new SimDirectoryHandle(this, this.disk, entry, path);
      }
      if (entry === undefined) {
        if (flags === 'r' || flags === 'r+') throw new SimFileSystemError('ENOENT', 'open', path);
        const inode = new Inode();
        this.disk.changeDirectory(parent, [{ name, before: undefined, after: inode }]);
        return new SimFileHandle(this, this.disk, inode, path);
      }
      if (flags === 'wx') throw new SimFileSystemError('EEXIST', 'open', path);
      if (flags === 'w' && entry.sizeBytes > 0) {
        entry.truncate(0);
        this.disk.changed(entry);
      }
      return new SimFileHandle(this, this.disk, entry, path);
    });
  }

  readFile(path: string): Promise<string> {
    return this.operation('read', 0, () => {
      const { entry } = this.disk.lookup(path, 'open');
      if (entry === undefined) throw new SimFileSystemError('ENOENT', 'open', path);
      if (entry instanceof Directory) throw new SimFileSystemError('EISDIR', 'read', path);
      return Buffer.from(entry.contents()).toString('utf8');
    });
  }

  readdir(path: string): Promise<string[]> {
    return this.operation('metadata', 0, () => {
      const { entry } = this.disk.lookup(path, 'scandir');
      if (entry === undefined) throw new SimFileSystemError('ENOENT', 'scandir', path);
      if (!(entry instanceof Directory)) throw new SimFileSystemError('ENOTDIR', 'scandir', path);
      // Directory order is not sorted on a real disk either: callers must not depend on it.
      const names = [...entry.entries.keys()].sort();
      for (let index = names.length - 1; index > 0; index -= 1) {
        const other = this.disk.random.int(0, index);
        const name = names[index];
        const swapped = names[other];
        if (name === undefined || swapped === undefined) continue;
        names[index] = swapped;
        names[other] = name;
      }
      return names;
    });
  }

  rename(oldPath: string, newPath: string): Promise<void> {
    return this.operation('metadata', 0, () => {
      const from = this.disk.lookup(oldPath, 'rename');
      const to = this.disk.lookup(newPath, 'rename');
      if (from.entry === undefined) throw new SimFileSystemError('ENOENT', 'rename', oldPath);
      if (from.parent !== to.parent) throw new SimFileSystemError('EXDEV', 'rename', newPath);
      if (to.entry instanceof Directory) throw new SimFileSystemError('EISDIR', 'rename', newPath);
      if (from.name === to.name) return;
      this.disk.changeDirectory(from.parent, [
        { name: from.name, before: from.entry, after: undefined },
        { name: to.name, before: to.entry, after: from.entry },
      ]);
    });
  }

  unlink(path: string): Promise<void> {
    return this.operation('metadata', 0, () => {
      const { parent, name, entry } = this.disk.lookup(path, 'unlink');
      if (entry === undefined) throw new SimFileSystemError('ENOENT', 'unlink', path);
      if (entry instanceof Directory) throw new SimFileSystemError('EISDIR', 'unlink', path);
      this.disk.changeDirectory(parent, [{ name, before: entry, after: undefined }]);
    });
  }

  mkdir(path: string): Promise<void> {
    return this.operation('metadata', 0, () => {
      const names = components(path);
      let prefix = '';
      for (const name of names) {
        prefix += `/${name}`;
        const { parent, entry } = this.disk.lookup(prefix, 'mkdir');
        if (entry instanceof Directory) continue;
        if (entry !== undefined) throw new SimFileSystemError('EEXIST', 'mkdir', prefix);
        this.disk.changeDirectory(parent, [{ name, before: undefined, after: new Directory() }]);
      }
    });
  }

  temporarySuffix(): string {
    return Buffer.from(this.disk.random.bytes(8)).toString('hex');
  }
}

class SimFileHandle implements FileHandle {
  private closed = false;

  constructor(
    private readonly view: DiskView,
    private readonly disk: SimDisk,
    private readonly inode: Inode,
    private readonly path: string,
  ) {}

  read(
    buffer: Uint8Array,
    offset: number,
    length: number,
    positionBytes: number,
  ): Promise<{ readonly bytesRead: number }> {
    return this.view.operation('read', length, () => {
      this.requireOpen('read');
      return { bytesRead: this.inode.read(buffer, offset, length, positionBytes) };
    });
  }

  write(
    buffer: Uint8Array,
    offset: number,
    length: number,
    positionBytes: number,
  ): Promise<{ readonly bytesWritten: number }> {
    // The bytes are taken when the call is made, as a real write copies them into the kernel.
    const bytes = buffer.slice(offset, offset + length);
    return this.view.operation('write', length, () => {
      this.requireOpen('write');
      this.inode.write(positionBytes, bytes);
      this.disk.changed(this.inode);
      return { bytesWritten: bytes.length };
    });
  }

  datasync(): Promise<void> {
    return this.sync();
  }

  sync(): Promise<void> {
    return this.view.operation('flush', 0, () => {
      this.requireOpen('fsync');
      this.disk.flush(this.inode);
    });
  }

  truncate(lengthBytes: number): Promise<void> {
    return this.view.operation('metadata', 0, () => {
      this.requireOpen('ftruncate');
      this.inode.truncate(lengthBytes);
      this.disk.changed(this.inode);
    });
  }

  stat(): Promise<{ readonly size: number }> {
    return this.view.operation('metadata', 0, () => {
      this.requireOpen('fstat');
      return { size: this.inode.sizeBytes };
    });
  }

  close(): Promise<void> {
    return this.view.operation('metadata', 0, () => {
      this.requireOpen('close');
      this.closed = true;
    });
  }

  private requireOpen(operation: string): void {
    if (this.closed) throw new SimFileSystemError('EBADF', operation, this.path);
  }
}

/** A directory opened for flushing its entries. */
class SimDirectoryHandle implements FileHandle {
  private closed = false;

  constructor(
    private readonly view: DiskView,
    private readonly disk: SimDisk,
    private readonly directory: Directory,
    private readonly path: string,
  ) {}

  read(): Promise<{ readonly bytesRead: number }> {
    return this.refuse('read');
  }

  write(): Promise<{ readonly bytesWritten: number }> {
    return this.refuse('write');
  }

  datasync(): Promise<void> {
    return this.sync();
  }

  sync(): Promise<void> {
    return this.view.operation('flush', 0, () => {
      if (this.closed) throw new SimFileSystemError('EBADF', 'fsync', this.path);
      this.disk.flush(this.directory);
    });
  }

  truncate(): Promise<void> {
    return this.refuse('ftruncate');
  }

  stat(): Promise<{ readonly size: number }> {
    return this.view.operation('metadata', 0, () => ({ size: this.directory.entries.size }));
  }

  close(): Promise<void> {
    return this.view.operation('metadata', 0, () => {
      this.closed = true;
    });
  }

  private refuse<T>(operation: string): Promise<T> {
    return this.view.operation('metadata', 0, () => {
      throw new SimFileSystemError('EISDIR', operation, this.path);
    });
  }
}
