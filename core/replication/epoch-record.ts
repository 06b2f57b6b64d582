/**
 * The replication epoch, kept durably in the data directory. A station
 * writes a new epoch here before it serves as primary in it, and never
 * accepts commands from a lower epoch. The history records at which
 * sequence number each epoch began, so a returning station can tell whether
 * its log holds records the cluster never acknowledged (written by an old
 * primary after the backup took over) and must be replaced.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { arrayField, asObject, DecodeError, integerField } from '../codec/json-fields.ts';
import { writeFileAtomic } from '../store/atomic-file.ts';

export interface EpochStart {
  readonly epoch: number;
  /** The first sequence number written in this epoch. */
  readonly firstSeq: number;
}

export interface EpochRecord {
  readonly epoch: number;
  readonly history: readonly EpochStart[];
}

const fileName = 'epoch.json';

export const initialEpochRecord: EpochRecord = { epoch: 0, history: [] };

export async function readEpochRecord(dir: string): Promise<EpochRecord> {
  const file = path.join(dir, fileName);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
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

export async function writeEpochRecord(dir: string, record: EpochRecord): Promise<void> {
  await writeFileAtomic(path.join(dir, fileName), JSON.stringify(record) + '\n');
}

/** The record after starting `epoch` at `firstSeq`. */
export function startEpoch(record: EpochRecord, epoch: number, firstSeq: number): EpochRecord {
  if (epoch <= record.epoch) throw new Error(`epoch ${epoch} does not follow ${record.epoch}`);
  return { epoch, history: [...record.history, { epoch, firstSeq }] };
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

export function decodeEpochRecord(value: unknown): EpochRecord {
  const object = asObject(value, 'epoch record');
  const history = arrayField(object, 'history').map((entry) => {
    const start = asObject(entry, 'epoch start');
    return { epoch: integerField(start, 'epoch'), firstSeq: integerField(start, 'firstSeq') };
  });
  const epoch = integerField(object, 'epoch');
  for (let index = 1; index < history.length; index += 1) {
    if ((history[index]?.epoch ?? 0) <= (history[index - 1]?.epoch ?? 0)) {
      throw new DecodeError('epoch history is not increasing');
    }
  }
  return { epoch, history };
}
