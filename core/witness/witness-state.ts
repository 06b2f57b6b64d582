/**
 * What a witness keeps on disk (`witness.json` in its data directory): the
 * newest epoch it voted for, the station it voted for, which other station
 * (if any) that primary last declared to hold everything it acknowledged, and
 * the longest lease it ever granted (after a restart it waits that long before
 * voting for anyone but the holder, since a lease it granted before may still
 * be running). The file is replaced atomically and flushed before the witness
 * answers the request that changed it.
 *
 * The file also names the cluster (derived from the pairing key, never the
 * key): a witness started on another pair's directory refuses to start rather
 * than apply that pair's epochs to this one.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { asObject, DecodeError, integerField, stringField } from '../codec/json-fields.ts';
import { writeFileAtomic } from '../store/atomic-file.ts';
import { isStationId } from './witness-messages.ts';

export interface WitnessState {
  /** The newest epoch the witness voted for (0: none yet). */
  readonly epoch: number;
  /** The station it voted for in `epoch` ('' before the first vote). */
  readonly holder: string;
  /** The other station, if the holder declared it holds everything the holder acknowledged. */
  readonly synced: string | null;
  /** The longest lease granted so far, in ms (0: none). */
  readonly longestLeaseMs: number;
}

export const initialWitnessState: WitnessState = { epoch: 0, holder: '', synced: null, longestLeaseMs: 0 };

const fileName = 'witness.json';
const stateVersion = 1;

/**
 * Reads the state kept in `dir`; a directory without one starts afresh. Throws
 * if the file is damaged or belongs to another cluster.
 */
export async function readWitnessState(dir: string, clusterId: string): Promise<WitnessState> {
  const file = path.join(dir, fileName);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return initialWitnessState;
    throw error;
  }
  let stored: { readonly clusterId: string; readonly state: WitnessState };
  try {
    stored = decodeWitnessState(JSON.parse(text));
  } catch (error) {
    throw new Error(
      `${file} is damaged (${(error as Error).message}); a witness that forgot its votes could let ` +
        'two stations serve: stop both stations, remove the file, and start them again with this witness',
      { cause: error },
    );
  }
  if (stored.clusterId !== clusterId) {
    throw new Error(
      `${dir} holds the witness of another pair of stations (another pairing key); ` +
        'give this witness its own directory with --data',
    );
  }
  return stored.state;
}

export async function writeWitnessState(dir: string, clusterId: string, state: WitnessState): Promise<void> {
  const stored = { version: stateVersion, clusterId, ...state };
  await writeFileAtomic(path.join(dir, fileName), JSON.stringify(stored) + '\n');
}

export function decodeWitnessState(value: unknown): {
  readonly clusterId: string;
  readonly state: WitnessState;
} {
  const object = asObject(value, 'witness state');
  const version = integerField(object, 'version');
  if (version !== stateVersion) throw new DecodeError(`version ${version} is not supported`);
  const epoch = integerField(object, 'epoch');
  const longestLeaseMs = integerField(object, 'longestLeaseMs');
  const holder = stringField(object, 'holder');
  const syncedValue = object['synced'];
  const synced = syncedValue === null ? null : stringField(object, 'synced');
  if (epoch < 0 || longestLeaseMs < 0) throw new DecodeError('negative epoch or lease');
  if ((epoch === 0) !== (holder === '')) throw new DecodeError('an epoch without a holder');
  if (holder !== '' && !isStationId(holder)) throw new DecodeError('field holder is not a station id');
  if (synced !== null && !isStationId(synced)) throw new DecodeError('field synced is not a station id');
  return { clusterId: stringField(object, 'clusterId'), state: { epoch, holder, synced, longestLeaseMs } };
}
