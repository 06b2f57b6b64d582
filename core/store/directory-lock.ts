/**
 * An exclusive lock on a station's data directory, so that two stations never
 * write to the same files.
 *
 * The lock is a listening local socket, because the operating system closes it
 * when the process dies however it dies: a station killed with SIGKILL leaves
 * no stale lock, and a restart right after the kill succeeds. (Lock files judged
 * by age cannot tell a dead holder from a live one that quickly, and flock needs
 * a native addon.)
 *
 * - Linux: an abstract-namespace Unix socket named after the directory's
 *   device and inode, so every path to one directory (symlinks, relative
 *   paths) names the same lock. Binding is atomic and the kernel frees the
 *   name with the process. Known limit: abstract names are per network
 *   namespace, so two stations in different network namespaces (e.g. two
 *   containers) sharing one directory are not detected.
 * - Windows: a named pipe with the same name, likewise freed by the OS.
 * - Elsewhere (macOS): a socket file in the directory. A dead holder leaves the
 *   file behind; a refused connection shows that, and the file is replaced.
 *   Two processes replacing the same stale file at the same instant can both
 *   win; that window only exists after a crash.
 *
 * The holder answers each connection with one JSON line saying who it is, so a
 * refused station can name the process in its way.
 */
import { createHash } from 'node:crypto';
import { mkdir, realpath, stat, unlink } from 'node:fs/promises';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export interface DirectoryLock {
  /** The directory as given, made absolute. */
  readonly dir: string;
  /** Frees the lock. Calling it again does nothing. */
  release(): Promise<void>;
}

export class DirectoryLockedError extends Error {
  /** The holder's pid, or null when it did not say in time. */
  readonly holderPid: number | null;

  constructor(dir: string, holder: HolderInfo | null) {
    const who = holder === null ? '' : ` (pid ${holder.pid}, started ${holder.startedAt})`;
    super(
      `the data directory ${dir} is already in use by another station${who}. ` +
        'Stop that station first, or choose another directory with --data.',
    );
    this.name = 'DirectoryLockedError';
    this.holderPid = holder?.pid ?? null;
  }
}

interface HolderInfo {
  readonly pid: number;
  readonly startedAt: string;
}

const holderAnswerTimeoutMs = 1000;
const holderAnswerBytesMax = 4096;
/** sun_path is 104 bytes on macOS (108 on Linux), including the final NUL. */
const socketPathBytesMax = 103;

/**
 * Takes the lock on `dir`, creating the directory if needed. Rejects with
 * DirectoryLockedError when another station (or this process) holds it.
 * `platform` only chooses the kind of socket; tests use it to exercise the
 * socket-file variant on Linux.
 */
export async function acquireDirectoryLock(
  dir: string,
  platform: NodeJS.Platform = process.platform,
): Promise<DirectoryLock> {
  const absoluteDir = resolve(dir);
  await mkdir(absoluteDir, { recursive: true, mode: 0o700 });
  const address = await lockAddress(absoluteDir, platform);
  const info = `${JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString(), dataDir: absoluteDir })}\n`;

  // The second attempt covers a holder that died between our bind and our
  // question to it (or, for a socket file, a stale file from a dead holder).
  for (let attempt = 1; ; attempt++) {
    const server = await tryListen(address.path, info);
    if (server !== null) return heldLock(absoluteDir, server);

    const probe = await askHolder(address.path);
    if (probe.kind === 'answered') throw new DirectoryLockedError(absoluteDir, probe.holder);
    if (probe.kind === 'unknown' || attempt === 2) throw new DirectoryLockedError(absoluteDir, null);
    if (address.isFile) await unlink(address.path).catch(ignoreMissing);
  }
}

interface LockAddress {
  readonly path: string;
  /** A socket file outlives its process and may need removing. */
  readonly isFile: boolean;
}

async function lockAddress(dir: string, platform: NodeJS.Platform): Promise<LockAddress> {
  // bigint: a 64-bit inode number does not fit a double exactly.
  const id = await stat(dir, { bigint: true });
  const hash = createHash('sha256').update(`${id.dev}:${id.ino}`).digest('hex').slice(0, 32);
  const name = `evote-lock-${hash}`;
  if (platform === 'linux') return { path: `\0${name}`, isFile: false };
  if (platform === 'win32') return { path: `\\\\.\\pipe\\${name}`, isFile: false };

  // The real path keeps the choice below the same for every path to `dir`.
  const inDir = join(await realpath(dir), '.station.lock.sock');
  // A longer path would be silently truncated by bind.
  const path = Buffer.byteLength(inDir) <= socketPathBytesMax ? inDir : join(tmpdir(), `${name}.sock`);
  return { path, isFile: true };
}

/** Listens on `path`, or returns null when someone already does. */
function tryListen(path: string, info: string): Promise<Server | null> {
  const server = createServer({ allowHalfOpen: false }, (socket: Socket) => {
    // A client that resets or stalls must never hurt the station.
    socket.on('error', () => undefined);
    socket.setTimeout(holderAnswerTimeoutMs, () => socket.destroy());
    socket.unref();
    socket.resume();
    socket.end(info);
  });
  return new Promise((resolvePromise, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') resolvePromise(null);
      else reject(error);
    };
    server.once('error', onError);
    server.listen({ path, exclusive: true }, () => {
      server.off('error', onError);
      // Accept failures (e.g. EMFILE) are reported here; they must not crash
      // the station, and the lock itself stays held.
      server.on('error', () => undefined);
      // The lock must never be what keeps the process alive.
      server.unref();
      resolvePromise(server);
    });
  });
}

function heldLock(dir: string, server: Server): DirectoryLock {
  let released: Promise<void> | null = null;
  return {
    dir,
    release() {
      released ??= new Promise<void>((resolvePromise) => {
        // Also removes a socket file (libuv unlinks it on close).
        server.close(() => {
          resolvePromise();
        });
      });
      return released;
    },
  };
}

type Probe =
  | { readonly kind: 'answered'; readonly holder: HolderInfo }
  /** Nobody listens: the holder is gone. */
  | { readonly kind: 'gone' }
  /** Someone listens but did not say who in time. */
  | { readonly kind: 'unknown' };

function askHolder(path: string): Promise<Probe> {
  return new Promise((resolvePromise) => {
    const socket = createConnection({ path });
    let received = '';
    let settled = false;
    const settle = (probe: Probe) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolvePromise(probe);
    };
    const timer = setTimeout(() => {
      settle({ kind: 'unknown' });
    }, holderAnswerTimeoutMs);

    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      received += chunk;
      const newline = received.indexOf('\n');
      if (newline >= 0) settle(parseHolder(received.slice(0, newline)));
      else if (received.length > holderAnswerBytesMax) settle({ kind: 'unknown' });
    });
    socket.on('end', () => {
      settle(parseHolder(received));
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      const gone = error.code === 'ECONNREFUSED' || error.code === 'ENOENT';
      settle(gone ? { kind: 'gone' } : { kind: 'unknown' });
    });
  });
}

function parseHolder(line: string): Probe {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { kind: 'unknown' };
  }
  if (typeof value !== 'object' || value === null) return { kind: 'unknown' };
  const { pid, startedAt } = value as { pid?: unknown; startedAt?: unknown };
  if (typeof pid !== 'number' || !Number.isSafeInteger(pid) || pid <= 0) return { kind: 'unknown' };
  if (typeof startedAt !== 'string') return { kind: 'unknown' };
  return { kind: 'answered', holder: { pid, startedAt } };
}

function ignoreMissing(error: NodeJS.ErrnoException): void {
  if (error.code !== 'ENOENT') throw error;
}
