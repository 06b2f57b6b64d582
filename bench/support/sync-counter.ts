/**
 * Counts fsync/fdatasync calls made by this process, to show how well group
 * commit batches durable writes. It wraps Node's fs entry points (callback,
 * sync and FileHandle forms), so it must be imported before the store; main.ts
 * imports it first. Counting is a side channel only: it never changes what the
 * calls do.
 */
import fs from 'node:fs';
import { open } from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import os from 'node:os';
import path from 'node:path';

export interface SyncCounts {
  readonly fdatasync: number;
  readonly fsync: number;
}

const counts = { fdatasync: 0, fsync: 0 };
let installed = false;

export function syncCounts(): SyncCounts {
  return { ...counts };
}

/** True once the counter is wrapping the fs calls. */
export function syncCountingActive(): boolean {
  return installed;
}

type Kind = keyof typeof counts;

function wrap(owner: object, method: string, kind: Kind): void {
  const original: unknown = Reflect.get(owner, method);
  if (typeof original !== 'function') return;
  const wrapped = function (this: unknown, ...args: unknown[]): unknown {
    counts[kind] += 1;
    return Reflect.apply(original, this, args);
  };
  Reflect.set(owner, method, wrapped);
}

async function install(): Promise<void> {
  wrap(fs, 'fdatasync', 'fdatasync');
  wrap(fs, 'fdatasyncSync', 'fdatasync');
  wrap(fs, 'fsync', 'fsync');
  wrap(fs, 'fsyncSync', 'fsync');
  // fs/promises FileHandle methods live on a prototype that is not exported: take it from a handle.
  const probe = path.join(os.tmpdir(), `evote-bench-probe-${process.pid}`);
  const handle = await open(probe, 'w');
  try {
    const prototype: unknown = Object.getPrototypeOf(handle);
    if (typeof prototype === 'object' && prototype !== null) {
      wrap(prototype, 'datasync', 'fdatasync');
      wrap(prototype, 'sync', 'fsync');
    }
  } finally {
    await handle.close();
    await fs.promises.rm(probe, { force: true });
  }
  syncBuiltinESMExports();
  installed = true;
}

await install();
