import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { limits } from '../../core/protocol/limits.ts';
import {
  CorruptStoreError,
  encodeFrame,
  frameHeaderBytes,
  scanFrames,
  type ScannedFrame,
  type ScanOptions,
  type TornTail,
} from '../../core/store/record-frame.ts';

let scratch: string;

beforeEach(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'evote-frame-test-'));
});

afterEach(async () => {
  await rm(scratch, { recursive: true, force: true });
});

async function scanAll(path: string, options?: ScanOptions): Promise<(ScannedFrame | TornTail)[]> {
  const items: (ScannedFrame | TornTail)[] = [];
  for await (const item of scanFrames(path, options)) items.push(item);
  return items;
}

function payloadOf(seq: number): Buffer {
  return Buffer.from(`record ${seq} `.repeat(seq % 5), 'utf8');
}

async function writeFrames(
  name: string,
  seqs: readonly number[],
): Promise<{ path: string; offsets: number[] }> {
  const offsets: number[] = [];
  let offset = 0;
  const frames = seqs.map((seq) => {
    const frame = encodeFrame(seq, payloadOf(seq));
    offsets.push(offset);
    offset += frame.length;
    return frame;
  });
  const path = join(scratch, name);
  await writeFile(path, Buffer.concat(frames));
  return { path, offsets };
}

describe('encodeFrame', () => {
  it('lays out length, checksum, seq and payload', () => {
    const frame = encodeFrame(7, Buffer.from('abc'));
    expect(frame.length).toBe(frameHeaderBytes + 3);
    expect(frame.readUInt32LE(0)).toBe(3);
    expect(frame.readBigUInt64LE(8)).toBe(7n);
    expect(frame.subarray(16).toString()).toBe('abc');
  });

  it('refuses a payload over the limit and a seq that is not a safe integer', () => {
    expect(() => encodeFrame(1, new Uint8Array(limits.storeRecordBytesMax + 1))).toThrow(RangeError);
    expect(() => encodeFrame(Number.MAX_SAFE_INTEGER + 1, new Uint8Array(1))).toThrow(RangeError);
    expect(() => encodeFrame(-1, new Uint8Array(1))).toThrow(RangeError);
    expect(() => encodeFrame(1.5, new Uint8Array(1))).toThrow(RangeError);
  });
});

describe('scanFrames', () => {
  it('yields every frame with its offset, across read-chunk boundaries', async () => {
    const seqs = Array.from({ length: 40 }, (_, index) => index + 1);
    const { path, offsets } = await writeFrames('log', seqs);
    for (const readChunkBytes of [1, 7, 16, 1024 * 1024]) {
      const items = await scanAll(path, { readChunkBytes });
      expect(items.map((item) => item.kind === 'frame' && item.seq)).toEqual(seqs);
      expect(items.map((item) => item.offsetBytes)).toEqual(offsets);
      for (const item of items) {
        if (item.kind === 'frame') expect(Buffer.from(item.payload)).toEqual(payloadOf(item.seq));
      }
    }
  });

  it('reads an empty file as no frames', async () => {
    const path = join(scratch, 'empty');
    await writeFile(path, '');
    expect(await scanAll(path)).toEqual([]);
  });

  it('reads a payload of the maximum size', async () => {
    const payload = Buffer.alloc(limits.storeRecordBytesMax, 0xab);
    const path = join(scratch, 'big');
    await writeFile(path, Buffer.concat([encodeFrame(1, payload), encodeFrame(2, Buffer.from('x'))]));
    const items = await scanAll(path, { readChunkBytes: 64 * 1024 });
    expect(items.map((item) => item.kind === 'frame' && item.payload.length)).toEqual([payload.length, 1]);
  });

  it('reports a torn tail at every cut inside the last frame', async () => {
    const { path, offsets } = await writeFrames('log', [1, 2, 3, 4]);
    const full = await readFile(path);
    const lastOffset = offsets[3] ?? 0;
    for (let cut = lastOffset + 1; cut < full.length; cut++) {
      await writeFile(path, full.subarray(0, cut));
      const items = await scanAll(path, { readChunkBytes: 5 });
      expect(items.slice(0, 3).map((item) => item.kind === 'frame' && item.seq)).toEqual([1, 2, 3]);
      expect(items[3]).toMatchObject({ kind: 'torn-tail', offsetBytes: lastOffset, fileSizeBytes: cut });
      expect(items).toHaveLength(4);
    }
  });

  it('treats a checksum failure in the frame that ends the file as a torn tail', async () => {
    const { path, offsets } = await writeFrames('log', [1, 2, 3]);
    const bytes = await readFile(path);
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0xff;
    await writeFile(path, bytes);
    const items = await scanAll(path);
    expect(items.at(-1)).toMatchObject({
      kind: 'torn-tail',
      offsetBytes: offsets[2],
      problem: 'checksum mismatch',
    });
  });

  it('treats a bad frame followed only by zeros as a torn tail', async () => {
    const { path, offsets } = await writeFrames('log', [1, 2]);
    await writeFile(path, Buffer.concat([await readFile(path), Buffer.alloc(300)]));
    const items = await scanAll(path, { readChunkBytes: 64 });
    expect(items).toHaveLength(3);
    expect(items[2]).toMatchObject({
      kind: 'torn-tail',
      offsetBytes: (offsets[1] ?? 0) + 16 + payloadOf(2).length,
    });
  });

  it('throws CorruptStoreError naming file and offset for a bad frame followed by more data', async () => {
    const { path, offsets } = await writeFrames('log-000000000001.evlog', [1, 2, 3, 4]);
    const bytes = await readFile(path);
    const offset = offsets[1] ?? 0;
    bytes[offset + frameHeaderBytes] = (bytes[offset + frameHeaderBytes] ?? 0) ^ 0x01;
    await writeFile(path, bytes);
    const error = await scanAll(path).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(CorruptStoreError);
    expect((error as CorruptStoreError).offsetBytes).toBe(offset);
    expect((error as CorruptStoreError).file).toBe(path);
    expect((error as Error).message).toBe(
      `corrupt record in ${path} at byte offset ${offset}: checksum mismatch; the station will not start so that ` +
        'no data is silently dropped. Restore this file from the backup station or contact support.',
    );
  });

  it('throws for an impossible length followed by more data, and calls one at the end torn', async () => {
    const { path, offsets } = await writeFrames('log', [1, 2, 3]);
    const bytes = await readFile(path);
    bytes.writeUInt32LE(limits.storeRecordBytesMax + 1, offsets[1] ?? 0);
    await writeFile(path, bytes);
    await expect(scanAll(path)).rejects.toThrow(/byte offset \d+: impossible record length/);

    const headerOnly = Buffer.concat([encodeFrame(1, Buffer.from('a')), Buffer.alloc(16, 0xff)]);
    await writeFile(path, headerOnly);
    const items = await scanAll(path);
    expect(items.at(-1)).toMatchObject({ kind: 'torn-tail', offsetBytes: 17 });
  });
});
