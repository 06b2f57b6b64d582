/**
 * The simulated disk keeps the durability rules the store relies on: data is
 * durable once its file is flushed, directory entries once the directory is
 * flushed; a power loss drops the rest (or keeps a torn prefix of it), a
 * process crash drops nothing; operations of a dead process never complete.
 * And the real store, run on it, recovers what it acknowledged.
 */
import { describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../core/logging/logger.ts';
import type { FileSystem } from '../../core/store/file-system.ts';
import { Store } from '../../core/store/store.ts';
import { fsyncDirectory } from '../../core/store/atomic-file.ts';
import { SimDisk } from '../../simulation/disk.ts';
import { EventLoop } from '../../simulation/event-loop.ts';
import { Random } from '../../simulation/random.ts';

function setUp(seed = 1): { loop: EventLoop; disk: SimDisk; files: FileSystem } {
  const loop = new EventLoop(0);
  const disk = new SimDisk({ loop, random: new Random(seed) });
  disk.prepareDirectory('/data');
  return { loop, disk, files: disk.mount() };
}

const bytes = (text: string): Uint8Array => Buffer.from(text, 'utf8');
const text = (content: Uint8Array | null): string | null =>
  content === null ? null : Buffer.from(content).toString('utf8');

/** Creates /data/<name> holding `content`, flushed, with its directory entry flushed. */
async function durableFile(loop: EventLoop, files: FileSystem, name: string, content: string): Promise<void> {
  const handle = await loop.runUntilSettled(files.open(`/data/${name}`, 'wx'));
  await loop.runUntilSettled(handle.write(bytes(content), 0, content.length, 0));
  await loop.runUntilSettled(handle.datasync());
  await loop.runUntilSettled(handle.close());
  await loop.runUntilSettled(fsyncDirectory('/data', files));
}

describe('the simulated disk', () => {
  it('loses unflushed data on a power loss, and keeps flushed data', async () => {
    const { loop, disk, files } = setUp();
    await durableFile(loop, files, 'log', 'kept');
    const handle = await loop.runUntilSettled(files.open('/data/log', 'r+'));
    await loop.runUntilSettled(handle.write(bytes('-lost'), 0, 5, 4));
    expect(text(disk.peek('/data/log'))).toBe('kept-lost');
    disk.crash(true, false);
    expect(text(disk.peek('/data/log'))).toBe('kept');
  });

  it('keeps unflushed data when only the process crashes', async () => {
    const { loop, disk, files } = setUp();
    await durableFile(loop, files, 'log', 'kept');
    const handle = await loop.runUntilSettled(files.open('/data/log', 'r+'));
    await loop.runUntilSettled(handle.write(bytes('+more'), 0, 5, 4));
    disk.crash(false, false);
    expect(text(disk.peek('/data/log'))).toBe('kept+more');
  });

  it('loses a new file whose directory was not flushed, even if the file was', async () => {
    const { loop, disk, files } = setUp();
    const handle = await loop.runUntilSettled(files.open('/data/new', 'wx'));
    await loop.runUntilSettled(handle.write(bytes('data'), 0, 4, 0));
    await loop.runUntilSettled(handle.datasync());
    expect(disk.list('/data')).toEqual(['new']);
    disk.crash(true, false);
    expect(disk.list('/data')).toEqual([]);
  });

  it('makes a rename durable only once the directory is flushed', async () => {
    const { loop, disk, files } = setUp();
    await durableFile(loop, files, 'old', 'old content');
    await durableFile(loop, files, 'temporary', 'new content');
    await loop.runUntilSettled(files.rename('/data/temporary', '/data/old'));
    expect(disk.list('/data')).toEqual(['old']);
    expect(text(disk.peek('/data/old'))).toBe('new content');

    const { loop: secondLoop, disk: secondDisk, files: secondFiles } = setUp();
    await durableFile(secondLoop, secondFiles, 'old', 'old content');
    await durableFile(secondLoop, secondFiles, 'temporary', 'new content');
    await secondLoop.runUntilSettled(secondFiles.rename('/data/temporary', '/data/old'));
    await secondLoop.runUntilSettled(fsyncDirectory('/data', secondFiles));
    secondDisk.crash(true, false);
    expect(secondDisk.list('/data')).toEqual(['old']);
    expect(text(secondDisk.peek('/data/old'))).toBe('new content');

    disk.crash(true, false);
    expect(disk.list('/data')).toEqual(['old', 'temporary']);
    expect(text(disk.peek('/data/old'))).toBe('old content');
  });

  it('keeps a torn prefix of unflushed writes on a power loss with torn writes', async () => {
    let tornSeen = false;
    for (let seed = 1; seed <= 50 && !tornSeen; seed += 1) {
      const { loop, disk, files } = setUp(seed);
      await durableFile(loop, files, 'log', 'durable|');
      const handle = await loop.runUntilSettled(files.open('/data/log', 'r+'));
      await loop.runUntilSettled(handle.write(bytes('first-write|'), 0, 12, 8));
      await loop.runUntilSettled(handle.write(bytes('second-write'), 0, 12, 20));
      const effect = disk.crash(true, true);
      const content = text(disk.peek('/data/log')) ?? '';
      // Whatever survives is the durable part followed by a prefix of what was written after it.
      expect('durable|first-write|second-write'.startsWith(content)).toBe(true);
      expect(content.startsWith('durable|')).toBe(true);
      if (effect.tornWrites > 0) {
        tornSeen = true;
        expect(['durable|', 'durable|first-write|', 'durable|first-write|second-write']).not.toContain(
          content,
        );
      }
    }
    expect(tornSeen).toBe(true);
  });

  it('never completes an operation of a process that died', async () => {
    const { loop, disk, files } = setUp();
    let settled = false;
    const opening = files.open('/data/file', 'wx').finally(() => {
      settled = true;
    });
    disk.crash(false, false);
    while (await loop.step()) {
      // run every event left
    }
    expect(settled).toBe(false);
    void opening.catch(() => undefined);
    expect(disk.list('/data')).toEqual([]);
    await expect(loop.runUntilSettled(disk.mount().readdir('/data'))).resolves.toEqual([]);
  });

  it('answers as Node does: ENOENT, EEXIST, and a file stays readable after it is unlinked', async () => {
    const { loop, files } = setUp();
    await expect(loop.runUntilSettled(files.open('/data/missing', 'r'))).rejects.toMatchObject({
      code: 'ENOENT',
    });
    await durableFile(loop, files, 'file', 'still here');
    await expect(loop.runUntilSettled(files.open('/data/file', 'wx'))).rejects.toMatchObject({
      code: 'EEXIST',
    });
    const handle = await loop.runUntilSettled(files.open('/data/file', 'r'));
    await loop.runUntilSettled(files.unlink('/data/file'));
    const buffer = new Uint8Array(10);
    const { bytesRead } = await loop.runUntilSettled(handle.read(buffer, 0, 10, 0));
    expect(text(buffer.subarray(0, bytesRead))).toBe('still here');
  });

  it('runs the real store: acknowledged records survive a power loss, a torn tail is cut off', async () => {
    for (let seed = 1; seed <= 10; seed += 1) {
      const { loop, disk, files } = setUp(seed);
      const logger = createMemoryLogger();
      const store = await loop.runUntilSettled(Store.open('/data', { logger, fileSystem: files }));
      await loop.runUntilSettled(
        store.recover(
          () => undefined,
          () => undefined,
        ),
      );
      const acknowledged: number[] = [];
      const appends = Array.from({ length: 20 }, (_, index) =>
        store.append(index + 1, bytes(`record ${index + 1}`)).then(() => acknowledged.push(index + 1)),
      );
      // Crash part-way, at a seeded moment.
      const random = new Random(seed);
      for (let step = random.int(1, 30); step > 0; step -= 1) if (!(await loop.step())) break;
      disk.crash(true, true);
      void Promise.allSettled(appends);

      const reopened = await loop.runUntilSettled(
        Store.open('/data', { logger: createMemoryLogger(), fileSystem: disk.mount() }),
      );
      const recovered: string[] = [];
      const result = await loop.runUntilSettled(
        reopened.recover(
          () => undefined,
          (_seq, payload) => recovered.push(text(payload) ?? ''),
        ),
      );
      expect(result.lastSeq).toBeGreaterThanOrEqual(Math.max(0, ...acknowledged));
      expect(recovered).toEqual(Array.from({ length: result.lastSeq }, (_, index) => `record ${index + 1}`));
    }
  });
  it('runs the real store: what a crashed process left unflushed and recovery read survives a later power loss', async () => {
    const { loop, disk, files } = setUp();
    const store = await loop.runUntilSettled(
      Store.open('/data', { logger: createMemoryLogger(), fileSystem: files }),
    );
    await loop.runUntilSettled(
      store.recover(
        () => undefined,
        () => undefined,
      ),
    );
    await loop.runUntilSettled(store.append(1, bytes('record 1')));
    const unflushed = store.append(2, bytes('record 2'));
    while (!disk.hasUnflushedWrites) await loop.step();
    // The process dies before its flush: record 2 is in the page cache only, never acknowledged.
    disk.crash(false, false);
    void unflushed.catch(() => undefined);

    const reopen = async (): Promise<number> => {
      const reopened = await loop.runUntilSettled(
        Store.open('/data', { logger: createMemoryLogger(), fileSystem: disk.mount() }),
      );
      const { lastSeq } = await loop.runUntilSettled(
        reopened.recover(
          () => undefined,
          () => undefined,
        ),
      );
      await loop.runUntilSettled(reopened.close());
      return lastSeq;
    };
    // The restarted station reads record 2 and acts on it (replicates it, snapshots it), so it must stay.
    expect(await reopen()).toBe(2);
    disk.crash(true, false);
    expect(await reopen()).toBe(2);
  });
});
