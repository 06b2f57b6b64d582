/** Voters' Ed25519 keys with Node's built-in crypto. */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';

export interface VoterKey {
  readonly name: string;
  /** The raw 32-byte public key, as the protocol carries it. */
  readonly publicKey: Uint8Array;
  readonly privateKey: KeyObject;
}

export function newVoterKey(name: string): VoterKey {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  // The SPKI DER of an Ed25519 key ends with the 32 raw key bytes.
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  return { name, publicKey: new Uint8Array(spki.subarray(spki.length - 32)), privateKey };
}

/** The detached Ed25519 signature of a PreAuth challenge. */
export function signChallenge(key: VoterKey, challenge: Uint8Array): Uint8Array {
  return sign(null, challenge, key.privateKey);
}
