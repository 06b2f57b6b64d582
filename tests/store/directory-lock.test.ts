import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createConnection } from 'node:net';
import { mkdtemp, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  acquireDirectoryLock,
  DirectoryLockedError,
  type DirectoryLock,
} from '../../core/store/directory-lock.ts';

const modulePath = fileURLToPath(new URL('../../core/store/directory-lock.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

let scratch: string;
const held: DirectoryLock[] = [];
const children: ChildProcess[] = [];

beforeEach(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'evote-lock-test-'));
});

afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  await Promise.all(held.splice(0).map((lock) => lock.release()));
  await rm(scratch, { recursive: true, force: true });
});

async function acquire(dir: string, platform?: NodeJS.Platform): Promise<DirectoryLock> {
  const lock = await acquireDirectoryLock(dir, platform);
  held.push(lock);
  return lock;
}

async function refusal(dir: string, platform?: NodeJS.Platform): Promise<DirectoryLockedError> {
  const error: unknown = await acquireDirectoryLock(dir, platform).then(
    (lock) => lock.release().then(() => new Error('acquired a lock that should be held')),
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(DirectoryLockedError);
  return error as DirectoryLockedError;
}

/**
 * Runs a child station process that tries to take the lock. With `hold`, it
 * keeps the lock and stays alive; otherwise it reports the outcome and exits.
 */
async function spawnChild(dir: string, mode: 'try' | 'hold', platform: NodeJS.Platform = process.platform) {
  const script = join(scratch, `child-${String(children.length)}.mjs`);
  await writeFile(
    script,
    `import { acquireDirectoryLock } from ${JSON.stringify(pathToFileURL(modulePath).href)};
const [dir, mode, platform] = process.argv.slice(2);
try {
  await acquireDirectoryLock(dir, platform);
  console.log(JSON.stringify({ acquired: true }));
  // The lock does not keep the process alive; this does.
  if (mode === 'hold') setInterval(() => {}, 60_000);
} catch (error) {
  console.log(JSON.stringify({ acquired: false, name: error.name, holderPid: error.holderPid, message: error.message }));
}
`,
  );
  const child = spawn(process.execPath, ['--import', 'tsx', script, dir, mode, platform], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const firstLine = await new Promise<string>((resolveLine, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
      const newline = out.indexOf('\n');
      if (newline >= 0) resolveLine(out.slice(0, newline));
    });
    child.on('exit', (code, signal) => {
      reject(new Error(`child exited (${String(code ?? signal)}) before reporting`));
    });
  });
  const report = JSON.parse(firstLine) as {
    acquired: boolean;
    name?: string;
    holderPid?: number | null;
    message?: string;
  };
  return { child, report };
}

async function killHard(child: ChildProcess): Promise<void> {
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

function expectedMessage(dir: string, pid: number): RegExp {
  const escaped = dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(
    `^the data directory ${escaped} is already in use by another station ` +
      `\\(pid ${String(pid)}, started \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z\\)\\. ` +
      'Stop that station first, or choose another directory with --data\\.$',
  );
}

describe('acquireDirectoryLock', () => {
  it('creates a missing directory with owner-only access', async () => {
    const dir = join(scratch, 'a', 'b');
    const lock = await acquire(dir);
    expect(lock.dir).toBe(dir);
    const info = await stat(dir);
    expect(info.isDirectory()).toBe(true);
    if (process.platform !== 'win32') expect(info.mode & 0o777).toBe(0o700);
  });

  it('can be released and taken again', async () => {
    const first = await acquireDirectoryLock(scratch);
    await first.release();
    await first.release();
    const second = await acquire(scratch);
    expect(second.dir).toBe(scratch);
  });

  it('refuses a second acquire in the same process, naming our pid', async () => {
    await acquire(scratch);
    const error = await refusal(scratch);
    expect(error.holderPid).toBe(process.pid);
    expect(error.message).toMatch(expectedMessage(scratch, process.pid));
  });

  it('treats a symlink or a relative path to the directory as the same directory', async () => {
    const dir = join(scratch, 'data');
    await acquire(dir);
    const link = join(scratch, 'link');
    await symlink(dir, link, 'dir');
    const viaLink = await refusal(link);
    expect(viaLink.holderPid).toBe(process.pid);
    expect(viaLink.message).toContain(`the data directory ${link} is already in use`);
    await refusal(relative(process.cwd(), dir));
  });

  it('refuses a second process', async () => {
    await acquire(scratch);
    const { report } = await spawnChild(scratch, 'try');
    expect(report.acquired).toBe(false);
    expect(report.name).toBe('DirectoryLockedError');
    expect(report.holderPid).toBe(process.pid);
    expect(report.message).toMatch(expectedMessage(scratch, process.pid));
  });

  it('is refused while another process holds it', async () => {
    const { child, report } = await spawnChild(scratch, 'hold');
    expect(report.acquired).toBe(true);
    const error = await refusal(scratch);
    expect(error.holderPid).toBe(child.pid);
    expect(error.message).toMatch(expectedMessage(scratch, child.pid ?? -1));
  });

  it('leaves no stale lock when the holder is killed with SIGKILL', async () => {
    const { child, report } = await spawnChild(scratch, 'hold');
    expect(report.acquired).toBe(true);
    await killHard(child);
    const lock = await acquire(scratch);
    expect(lock.dir).toBe(scratch);
  });
});

// The socket-file variant (used on macOS) runs on any Unix.
describe.skipIf(process.platform === 'win32')('acquireDirectoryLock with a socket file', () => {
  const platform = 'darwin';

  it('holds a socket file in the directory and removes it on release', async () => {
    const lock = await acquire(scratch, platform);
    expect((await stat(join(scratch, '.station.lock.sock'))).isSocket()).toBe(true);
    const error = await refusal(scratch, platform);
    expect(error.holderPid).toBe(process.pid);
    expect(error.message).toMatch(expectedMessage(scratch, process.pid));
    await lock.release();
    await expect(stat(join(scratch, '.station.lock.sock'))).rejects.toMatchObject({ code: 'ENOENT' });
    await acquire(scratch, platform);
  });

  it('shrugs off clients that hang up at once', async () => {
    await acquire(scratch, platform);
    const path = join(scratch, '.station.lock.sock');
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        const socket = createConnection({ path });
        socket.on('error', () => undefined);
        await once(socket, 'connect');
        // Unix sockets cannot send a TCP reset; hanging up unread makes the
        // holder's write fail with EPIPE or ECONNRESET instead.
        socket.write('garbage');
        socket.destroy();
      }),
    );
    expect((await refusal(scratch, platform)).holderPid).toBe(process.pid);
  });

  it('refuses a second process and replaces the file left by a killed holder', async () => {
    const { child, report } = await spawnChild(scratch, 'hold', platform);
    expect(report.acquired).toBe(true);
    const error = await refusal(resolve(scratch), platform);
    expect(error.holderPid).toBe(child.pid);
    await killHard(child);
    // SIGKILL leaves the file behind; it must not block the restart.
    expect((await stat(join(scratch, '.station.lock.sock'))).isSocket()).toBe(true);
    await acquire(scratch, platform);
    expect((await spawnChild(scratch, 'try', platform)).report.holderPid).toBe(process.pid);
  });
});
