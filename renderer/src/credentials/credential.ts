/**
 * Credentials of voters and officials: an Ed25519 key pair made in the
 * renderer (tweetnacl), so the secret never reaches the station. A credential
 * travels as a small JSON file and as a QR code of one line of text; both
 * carry the holder's name, their role and the 32-byte seed of the key.
 * Signing a challenge happens here, in the renderer, too.
 */
import nacl from 'tweetnacl';
import { limits } from '../../../core/protocol/limits.ts';
import { utf8Bytes } from '../text/utf8.ts';

export type CredentialRole = 'voter' | 'official';

export interface Credential {
  readonly role: CredentialRole;
  readonly name: string;
  /** The 32-byte Ed25519 seed; the key pair is derived from it. */
  readonly seed: Uint8Array;
}

const fileFormat = 'evote-credential';
const fileVersion = 1;
const qrPrefix = 'evote1';
const seedBytes = 32;

export function newCredential(role: CredentialRole, name: string): Credential {
  return { role, name, seed: nacl.randomBytes(seedBytes) };
}

export function publicKeyOf(credential: Credential): Uint8Array {
  return nacl.sign.keyPair.fromSeed(credential.seed).publicKey;
}

/** Detached Ed25519 signature of the station's challenge. */
export function signChallenge(credential: Credential, challenge: Uint8Array): Uint8Array {
  return nacl.sign.detached(challenge, nacl.sign.keyPair.fromSeed(credential.seed).secretKey);
}

export function credentialFileText(credential: Credential): string {
  return JSON.stringify(
    {
      format: fileFormat,
      version: fileVersion,
      role: credential.role,
      name: credential.name,
      seed: toBase64Url(credential.seed),
    },
    null,
    2,
  );
}

export function credentialFileName(credential: Credential): string {
  const safe = credential.name.replace(/[^\p{L}\p{N}_-]+/gu, '-').slice(0, 60) || 'credential';
  return `${credential.role}-${safe}.evote.json`;
}

/** The text of the credential's QR code: `evote1:<role>:<seed, base64url>:<name, URI-encoded>`. */
export function credentialQrText(credential: Credential): string {
  return [qrPrefix, credential.role, toBase64Url(credential.seed), encodeURIComponent(credential.name)].join(
    ':',
  );
}

export type ParsedCredential =
  { readonly credential: Credential } | { readonly invalid: 'not-a-credential' | 'wrong-role' };

/** Reads a credential from a file's text or a scanned QR code's text; `role` is the one expected. */
export function parseCredential(text: string, role: CredentialRole): ParsedCredential {
  const credential = parseQrText(text.trim()) ?? parseFileText(text);
  if (credential === null) return { invalid: 'not-a-credential' };
  if (credential.role !== role) return { invalid: 'wrong-role' };
  return { credential };
}

function parseQrText(text: string): Credential | null {
  const parts = text.split(':');
  if (parts.length !== 4 || parts[0] !== qrPrefix) return null;
  const [, role, seedText = '', nameText = ''] = parts;
  let name: string;
  try {
    name = decodeURIComponent(nameText);
  } catch {
    return null;
  }
  return credentialOf(role, name, seedText);
}

function parseFileText(text: string): Credential | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const file = value as Record<string, unknown>;
  if (file.format !== fileFormat || file.version !== fileVersion) return null;
  return credentialOf(file.role, file.name, file.seed);
}

function credentialOf(role: unknown, name: unknown, seedText: unknown): Credential | null {
  if (role !== 'voter' && role !== 'official') return null;
  if (typeof name !== 'string' || name === '' || typeof seedText !== 'string') return null;
  // A longer name cannot have been registered: the station would refuse the request outright.
  if (utf8Bytes(name) > (role === 'voter' ? limits.voterNameBytesMax : limits.officialNameBytesMax))
    return null;
  const seed = fromBase64Url(seedText);
  if (seed?.length !== seedBytes) return null;
  return { role, name, seed };
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  try {
    const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
    return Uint8Array.from(binary, (char) => char.charCodeAt(0));
  } catch {
    return null; // a length no base64 text has
  }
}
