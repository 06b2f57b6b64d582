/**
 * A fresh data directory per test for the store's tests, with the stores a
 * test opens closed afterwards, and the helpers both store test files use:
 * numbered payloads, recovery that records what it replayed, raw segments.
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect } from 'vitest';
import { createMemoryLogger, type RecordedLogEntry } from '../../core/logging/logger.ts';
import { encodeFrame } from '../../core/store/record-frame.ts';
import { segmentFileName } from '../../core/store/segmented-log.ts';
import { Store, type RecoveryResult } from '../../core/store/store.ts';

export const payload = (seq: number) => Buffer.from(`command number ${seq}`);
export const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, index) => from + index);

export interface Recovered {
  readonly store: Store;
  readonly result: RecoveryResult;
  readonly snapshotStarts: number[];
  readonly chunks: Buffer[];
  readonly records: number[];
  readonly entries: RecordedLogEntry[];
}

export async function appendAll(store: Store, seqs: readonly number[]): Promise<void> {
  await Promise.all(seqs.map((seq) => store.append(seq, payload(seq))));
}

export interface StoreDirectory {
  /** This test's data directory (not created: the store creates it). */
  readonly dir: string;
  /** Its parent, for files a test keeps beside it. */
  readonly scratch: string;
  readonly openStore: () => Promise<{ store: Store; logger: ReturnType<typeof createMemoryLogger> }>;
  /** Opens and recovers a store, checking every replayed payload. */
  readonly recoverStore: () => Promise<Recovered>;
  readonly closeStore: (store: Store) => Promise<void>;
  /** Closes every store the test opened. */
  readonly closeAll: () => Promise<void>;
  readonly reopen: (store: Store) => Promise<Recovered>;
  /** Writes a log segment holding `seqs` directly, as a previous run would have. */
  readonly writeSegment: (firstSeq: number, seqs: readonly number[]) => Promise<string>;
  readonly filesInDir: () => Promise<string[]>;
}

/**
 * Registers the per-test directory. `ignoreCloseErrors`: for tests that leave
 * stores broken on purpose, whose close at teardown may fail.
 */
export function useStoreDirectory(
  prefix: string,
  options: { ignoreCloseErrors?: boolean } = {},
): StoreDirectory {
  const paths = { scratch: '', dir: '' };
  const opened: Store[] = [];
  const close = (store: Store) =>
    options.ignoreCloseErrors === true ? store.close().catch(() => undefined) : store.close();

  beforeEach(async () => {
    paths.scratch = await mkdtemp(join(tmpdir(), prefix));
    paths.dir = join(paths.scratch, 'data');
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map(close));
    await rm(paths.scratch, { recursive: true, force: true });
  });

  const openStore = async () => {
    const logger = createMemoryLogger();
    const store = await Store.open(paths.dir, { logger });
    opened.push(store);
    return { store, logger };
  };
  const recoverStore = async (): Promise<Recovered> => {
    const { store, logger } = await openStore();
    const snapshotStarts: number[] = [];
    const chunks: Buffer[] = [];
    const records: number[] = [];
    const result = await store.recover(
      (chunk) => chunks.push(Buffer.from(chunk)),
      (seq, bytes) => {
        expect(Buffer.from(bytes)).toEqual(payload(seq));
        records.push(seq);
      },
      (seq) => snapshotStarts.push(seq),
    );
    return { store, result, snapshotStarts, chunks, records, entries: logger.entries };
  };
  const closeStore = async (store: Store) => {
    await store.close();
    opened.splice(opened.indexOf(store), 1);
  };
  return {
    get dir() {
      return paths.dir;
    },
    get scratch() {
      return paths.scratch;
    },
    openStore,
    recoverStore,
    closeStore,
    closeAll: async () => {
      await Promise.all(opened.splice(0).map(close));
    },
    reopen: async (store) => {
      await closeStore(store);
      return recoverStore();
    },
    writeSegment: async (firstSeq, seqs) => {
      const path = join(paths.dir, segmentFileName(firstSeq));
      await writeFile(path, Buffer.concat(seqs.map((seq) => encodeFrame(seq, payload(seq)))));
      return path;
    },
    filesInDir: async () => (await readdir(paths.dir)).sort(),
  };
}
