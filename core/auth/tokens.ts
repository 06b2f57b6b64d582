/**
 * Session tokens: a MAC over (kind, registration, expiry, nonce, name) under
 * the station's token key. Nothing about live tokens is stored, so tokens
 * stay valid across a restart, and a backup holding the same key accepts the
 * tokens the primary issued. Unregistering a voter invalidates their tokens
 * because a token names the registration it was issued for.
 *
 * Layout: kind (1) · registration (8) · expiresAtMs (8) · nonce (16) ·
 * name length (2) · name (UTF-8) · HMAC-SHA256 over everything before (32).
 *
 * The kind byte is the token's domain, covered by the MAC: a voter's token
 * never passes as an official's session, nor the other way round. Voter
 * tokens keep the value 1 that the layout's version byte had before officials
 * existed, so tokens issued by an older station remain valid.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Actor, ActorKind } from '../engine/commands.ts';
import { limits, tokenLifetimeMs } from '../protocol/limits.ts';

const kindBytes: Readonly<Record<ActorKind, number>> = { voter: 1, official: 2 };
const nonceBytes = 16;
const macBytes = 32;
const fixedBytes = 1 + 8 + 8 + nonceBytes + 2;
export const tokenKeyBytes = 32;

export interface TokenClaims extends Actor {
  readonly expiresAtMs: number;
}

export function issueToken(
  key: Uint8Array,
  actor: Actor,
  issuedAtMs: number,
  randomBytes: (count: number) => Uint8Array,
): Uint8Array {
  const name = Buffer.from(actor.name, 'utf8');
  const body = Buffer.alloc(fixedBytes + name.length);
  body.writeUInt8(kindBytes[actor.kind], 0);
  body.writeBigUInt64BE(BigInt(actor.registration), 1);
  body.writeBigUInt64BE(BigInt(issuedAtMs + tokenLifetimeMs), 9);
  Buffer.from(randomBytes(nonceBytes)).copy(body, 17);
  body.writeUInt16BE(name.length, 17 + nonceBytes);
  name.copy(body, fixedBytes);
  return Buffer.concat([body, mac(key, body)]);
}

/** The claims of a genuine token still valid at `atMs`, whatever its kind, or null. */
export function verifyToken(key: Uint8Array, token: Uint8Array, atMs: number): TokenClaims | null {
  if (token.length < fixedBytes + macBytes || token.length > limits.tokenBytesMax) return null;
  const bytes = Buffer.from(token.buffer, token.byteOffset, token.length);
  const body = bytes.subarray(0, bytes.length - macBytes);
  if (!timingSafeEqual(mac(key, body), bytes.subarray(body.length))) return null;
  const kind = kindOf(body.readUInt8(0));
  if (kind === null) return null;
  const nameBytes = body.readUInt16BE(17 + nonceBytes);
  if (fixedBytes + nameBytes !== body.length) return null;
  const expiresAtMs = Number(body.readBigUInt64BE(9));
  if (atMs >= expiresAtMs) return null;
  return {
    kind,
    name: body.toString('utf8', fixedBytes),
    registration: Number(body.readBigUInt64BE(1)),
    expiresAtMs,
  };
}

function kindOf(byte: number): ActorKind | null {
  if (byte === kindBytes.voter) return 'voter';
  if (byte === kindBytes.official) return 'official';
  return null;
}

function mac(key: Uint8Array, body: Uint8Array): Buffer {
  return createHmac('sha256', key).update(body).digest();
}
