/** An in-process station on a temporary directory, with voters who can sign in. */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import nacl from 'tweetnacl';
import { createMemoryLogger } from '../../core/logging/logger.ts';
import { systemRandomBytes, type Clock } from '../../core/station/environment.ts';
import { isUnavailable } from '../../core/station/station-api.ts';
import { Station, type StationOptions } from '../../core/station/station.ts';

export async function temporaryDirectory(prefix = 'evote-test-'): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), prefix));
}

export async function removeDirectory(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** A clock the test moves by hand. */
export function manualClock(startMs = 1_800_000_000_000): Clock & { advance(ms: number): void } {
  let nowMs = startMs;
  return {
    nowMs: () => nowMs,
    advance(ms) {
      nowMs += ms;
    },
  };
}

export function openStation(
  dataDir: string,
  clock: Clock,
  options: Partial<StationOptions> = {},
): Promise<Station> {
  return Station.open({
    dataDir,
    clock,
    randomBytes: systemRandomBytes,
    logger: createMemoryLogger(),
    ...options,
  });
}

export interface TestVoter {
  readonly name: string;
  readonly keyPair: nacl.SignKeyPair;
}

export function newVoter(name: string): TestVoter {
  return { name, keyPair: nacl.sign.keyPair() };
}

export async function registerVoter(station: Station, voter: TestVoter, group: string): Promise<void> {
  const answer = await station.registerVoter({ name: voter.name, group, publicKey: voter.keyPair.publicKey });
  if (isUnavailable(answer) || answer.code !== 0)
    throw new Error(`registration failed: ${JSON.stringify(answer)}`);
}

/** PreAuth + Auth with the voter's own key, as a client would. */
export async function signIn(station: Station, voter: TestVoter): Promise<Uint8Array> {
  const { challenge } = await station.preAuth({ name: voter.name });
  const answer = await station.auth({
    name: voter.name,
    signature: nacl.sign.detached(challenge, voter.keyPair.secretKey),
  });
  if (!('token' in answer)) throw new Error(`sign-in failed for ${voter.name}`);
  return answer.token;
}

/** Registers `official` (the first one when `session` is null); throws unless the station answers 0. */
export async function registerOfficial(
  station: Station,
  official: TestVoter,
  session: Uint8Array | null,
): Promise<void> {
  const answer = await station.registerOfficial({
    session,
    name: official.name,
    publicKey: official.keyPair.publicKey,
  });
  if (isUnavailable(answer) || answer.code !== 0)
    throw new Error(`registering official ${official.name} failed: ${JSON.stringify(answer)}`);
}

/** An official's challenge and sign-in with their own key; returns the session token. */
export async function officialSignIn(station: Station, official: TestVoter): Promise<Uint8Array> {
  const { challenge } = await station.officialChallenge({ name: official.name });
  const answer = await station.officialSignIn({
    name: official.name,
    signature: nacl.sign.detached(challenge, official.keyPair.secretKey),
  });
  if (!('token' in answer)) throw new Error(`official sign-in failed for ${official.name}`);
  return answer.token;
}
