import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fsyncDirectory, isTemporaryFileName, writeFileAtomic } from '../../core/store/atomic-file.ts';

let scratch: string;

beforeEach(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'evote-atomic-test-'));
});

afterEach(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('writeFileAtomic', () => {
  it('writes a string, bytes or pieces, replacing the old content, private by default', async () => {
    const path = join(scratch, 'file.json');
    await writeFileAtomic(path, '{"a":1}\n');
    expect(await readFile(path, 'utf8')).toBe('{"a":1}\n');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    await writeFileAtomic(path, Buffer.from('bytes'));
    expect(await readFile(path, 'utf8')).toBe('bytes');
    const pieces = [
      Buffer.alloc(3 * 1024 * 1024, 1),
      ...Array.from({ length: 1000 }, () => Buffer.from('xy')),
    ];
    await writeFileAtomic(path, pieces);
    expect((await readFile(path)).equals(Buffer.concat(pieces))).toBe(true);
    expect(await readdir(scratch)).toEqual(['file.json']);
  });

  it('honours a mode for a new file', async () => {
    const path = join(scratch, 'read-only');
    // Owner bits only, which no usual umask removes.
    await writeFileAtomic(path, 'x', { mode: 0o400 });
    expect((await stat(path)).mode & 0o777).toBe(0o400);
  });

  it('leaves the target untouched and removes its temporary file when writing fails', async () => {
    const path = join(scratch, 'snapshot');
    await writeFile(path, 'old');
    function* failing(): Generator<Uint8Array> {
      yield Buffer.alloc(2 * 1024 * 1024);
      throw new Error('the producer failed');
    }
    await expect(writeFileAtomic(path, failing())).rejects.toThrow('the producer failed');
    expect(await readFile(path, 'utf8')).toBe('old');
    expect(await readdir(scratch)).toEqual(['snapshot']);
  });

  it('names its temporary files recognisably', async () => {
    expect(isTemporaryFileName('snapshot-000000000001.evsnap.tmp-0123456789abcdef')).toBe(true);
    expect(isTemporaryFileName('snapshot-000000000001.evsnap')).toBe(false);
    await expect(fsyncDirectory(scratch)).resolves.toBeUndefined();
  });
});
