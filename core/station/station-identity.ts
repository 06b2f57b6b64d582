/**
 * A station's identity, kept in its data directory: a stable id, and the key
 * that signs session tokens (so tokens survive a restart; a backup will share
 * the key so that they also survive a take-over).
 */
import path from 'node:path';
import { asObject, bytesField, stringField } from '../codec/json-fields.ts';
import { tokenKeyBytes } from '../auth/tokens.ts';
import { writeFileAtomic } from '../store/atomic-file.ts';
import { nodeFileSystem, type FileSystem } from '../store/file-system.ts';
import type { RandomBytes } from './environment.ts';

export interface StationIdentity {
  readonly stationId: string;
  readonly tokenKey: Uint8Array;
}

const identityFile = 'station.json';

export async function loadOrCreateIdentity(
  dir: string,
  randomBytes: RandomBytes,
  fileSystem: FileSystem = nodeFileSystem,
): Promise<StationIdentity> {
  const file = path.join(dir, identityFile);
  let text: string;
  try {
    text = await fileSystem.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    const identity: StationIdentity = {
      stationId: Buffer.from(randomBytes(8)).toString('hex'),
      tokenKey: randomBytes(tokenKeyBytes),
    };
    await writeIdentity(dir, identity, fileSystem);
    return identity;
  }
  let object;
  try {
    object = asObject(JSON.parse(text), 'station identity');
  } catch (error) {
    throw new Error(`${file} is damaged (${(error as Error).message}); restore it from a backup`, {
      cause: error,
    });
  }
  const identity = { stationId: stringField(object, 'stationId'), tokenKey: bytesField(object, 'tokenKey') };
  if (identity.tokenKey.length !== tokenKeyBytes)
    throw new Error(`${file} holds a token key of the wrong size`);
  return identity;
}

/** Stores the identity durably (atomic replace), e.g. after adopting the primary's token key. */
export async function writeIdentity(
  dir: string,
  identity: StationIdentity,
  fileSystem: FileSystem = nodeFileSystem,
): Promise<void> {
  const stored = {
    stationId: identity.stationId,
    tokenKey: Buffer.from(identity.tokenKey).toString('base64'),
  };
  await writeFileAtomic(path.join(dir, identityFile), JSON.stringify(stored, null, 2) + '\n', {
    mode: 0o600,
    fileSystem,
  });
}
