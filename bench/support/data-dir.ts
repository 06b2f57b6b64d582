/** What a station's data directory holds on disk (log segments and snapshots, by the names the store uses). */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

export interface DataDirUsage {
  readonly logBytes: number;
  /** Size of the newest log segment (`log-<first seq>.evlog` with the highest seq). */
  readonly newestLogBytes: number;
  readonly logSegments: number;
  readonly snapshotBytes: number;
  readonly snapshots: number;
}

export async function dataDirUsage(dir: string): Promise<DataDirUsage> {
  let logBytes = 0;
  let newestLogBytes = 0;
  let newestLogSeq = -1;
  let logSegments = 0;
  let snapshotBytes = 0;
  let snapshots = 0;
  for (const name of await readdir(dir)) {
    const log = /^log-(\d+)\.evlog$/.exec(name);
    const isSnapshot = /^snapshot-\d+\.evsnap$/.test(name);
    if (log === null && !isSnapshot) continue;
    let size: number;
    try {
      size = (await stat(path.join(dir, name))).size;
    } catch {
      continue; // Removed by compaction meanwhile.
    }
    if (log !== null) {
      logBytes += size;
      logSegments += 1;
      const seq = Number(log[1]);
      if (seq > newestLogSeq) {
        newestLogSeq = seq;
        newestLogBytes = size;
      }
    } else {
      snapshotBytes += size;
      snapshots += 1;
    }
  }
  return { logBytes, newestLogBytes, logSegments, snapshotBytes, snapshots };
}
