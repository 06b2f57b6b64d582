/**
 * The replication epoch, kept durably in the data directory. A station
 * writes a new epoch here before it serves as primary in it, and never
 * accepts commands from a lower epoch. The history records at which
 * sequence number each epoch began, so a returning station can tell whether
 * its log holds records the cluster never acknowledged (written by an old
 * primary after the backup took over) and must be replaced.
 */
import path from 'node:path';
import { arrayField, asObject, DecodeError, integerField, stringField } from '../codec/json-fields.ts';
import { writeFileAtomic } from '../store/atomic-file.ts';
import { nodeFileSystem, type FileSystem } from '../store/file-system.ts';

export interface EpochStart {
  readonly epoch: number;
  /** The first sequence number written in this epoch. */
  readonly firstSeq: number;
  /**
   * The station that began the epoch. Without a third vote, two stations cut
   * off from each other may each begin the same epoch number; this tells
   * their histories apart.
   */
  readonly stationId: string;
}

export interface EpochRecord {
  readonly epoch: number;
  readonly history: readonly EpochStart[];
}

const fileName = 'epoch.json';

export const initialEpochRecord: EpochRecord = { epoch: 0, history: [] };

export async function readEpochRecord(
  dir: string,
  fileSystem: FileSystem = nodeFileSystem,
): Promise<EpochRecord> {
  const file = path.join(dir, fileName);
  let text: string;
  try {
    text = await fileSystem.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return initialEpochRecord;
    throw error;
  }
  try {
    return decodeEpochRecord(JSON.parse(text));
  } catch (error) {
    throw new Error(`${file} is damaged (${(error as Error).message}); restore it from the other station`, {
      cause: error,
    });
  }
}

export async function writeEpochRecord(
  dir: string,
  record: EpochRecord,
  fileSystem: FileSystem = nodeFileSystem,
): Promise<void> {
  await writeFileAtomic(path.join(dir, fileName), JSON.stringify(record) + '\n', { fileSystem });
}

/** The record after `stationId` started `epoch` at `firstSeq`. */
export function startEpoch(
  record: EpochRecord,
  epoch: number,
  firstSeq: number,
  stationId: string,
): EpochRecord {
  if (epoch <= record.epoch) throw new Error(`epoch ${epoch} does not follow ${record.epoch}`);
  return { epoch, history: [...record.history, { epoch, firstSeq, stationId }] };
}

/** True if both histories hold the very same start of `epoch` (same station, same first record). */
export function sameEpochStart(a: readonly EpochStart[], b: readonly EpochStart[], epoch: number): boolean {
  const first = a.find((start) => start.epoch === epoch);
  const second = b.find((start) => start.epoch === epoch);
  return (
    first !== undefined &&
    second !== undefined &&
    first.firstSeq === second.firstSeq &&
    first.stationId === second.stationId
  );
}

/**
 * The last sequence number of `epoch` that the cluster kept, according to a
 * history in which later epochs exist: the record before the next epoch began.
 * Null if `epoch` is still the newest one in the history.
 */
export function lastKeptSeqOfEpoch(history: readonly EpochStart[], epoch: number): number | null {
  const next = history.find((start) => start.epoch > epoch);
  return next === undefined ? null : next.firstSeq - 1;
}

/**
 * The epoch a station begins on its own, at or after `epoch`: odd for the station the officials
 * chose as primary, even for the backup. Two stations that cannot hear each other may both
 * promote; this way they never pick the same number. (Epochs agreed between them, in a
 * hand-over or by the witness's vote, are taken as they are.)
 */
export function ownEpochFrom(epoch: number, preferredRole: 'primary' | 'backup'): number {
  const odd = epoch % 2 === 1;
  return odd === (preferredRole === 'primary') ? epoch : epoch + 1;
}

/**
 * The last sequence number up to which a follower's log (`follower`) holds the same records as
 * the leader's: the end of the newest epoch both histories began alike, as far as both hold it.
 * 0 if they share none.
 */
export function commonSeqOf(
  follower: { readonly history: readonly EpochStart[]; readonly lastSeq: number },
  leader: { readonly history: readonly EpochStart[]; readonly lastSeq: number },
): number {
  for (const start of follower.history.toReversed()) {
    if (!sameEpochStart(follower.history, leader.history, start.epoch)) continue;
    const followerEnd = lastKeptSeqOfEpoch(follower.history, start.epoch) ?? follower.lastSeq;
    const leaderEnd = lastKeptSeqOfEpoch(leader.history, start.epoch) ?? leader.lastSeq;
    return Math.min(followerEnd, leaderEnd, follower.lastSeq);
  }
  return 0;
}

export function decodeEpochRecord(value: unknown): EpochRecord {
  const object = asObject(value, 'epoch record');
  const history = arrayField(object, 'history').map((entry) => {
    const start = asObject(entry, 'epoch start');
    return {
      epoch: integerField(start, 'epoch'),
      firstSeq: integerField(start, 'firstSeq'),
      stationId: stringField(start, 'stationId'),
    };
  });
  const epoch = integerField(object, 'epoch');
  for (let index = 1; index < history.length; index += 1) {
    if ((history[index]?.epoch ?? 0) <= (history[index - 1]?.epoch ?? 0)) {
      throw new DecodeError('epoch history is not increasing');
    }
  }
  return { epoch, history };
}
