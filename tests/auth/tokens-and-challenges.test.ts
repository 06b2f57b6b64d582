import { createHmac, randomBytes } from 'node:crypto';
import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';
import { ChallengeBook } from '../../core/auth/challenges.ts';
import { isValidSignature } from '../../core/auth/signatures.ts';
import { TokenVerifier } from '../../core/auth/token-verifier.ts';
import { issueToken, verifyToken } from '../../core/auth/tokens.ts';
import type { Actor } from '../../core/engine/commands.ts';
import { challengeLifetimeMs, tokenLifetimeMs } from '../../core/protocol/limits.ts';

const t0 = 1_800_000_000_000;
const key = randomBytes(32);
const random = (count: number) => new Uint8Array(randomBytes(count));

describe('tokens', () => {
  const actor: Actor = { kind: 'voter', name: '陳大文', registration: 42 };
  const official: Actor = { kind: 'official', name: '陳大文', registration: 42 };

  it('carry the voter and registration and are valid for exactly one hour', () => {
    const token = issueToken(key, actor, t0, random);
    expect(verifyToken(key, token, t0)).toEqual({ ...actor, expiresAtMs: t0 + tokenLifetimeMs });
    expect(verifyToken(key, token, t0 + tokenLifetimeMs - 1)).not.toBeNull();
    expect(verifyToken(key, token, t0 + tokenLifetimeMs)).toBeNull();
  });

  it('are unique even for the same voter at the same moment', () => {
    const a = Buffer.from(issueToken(key, actor, t0, random));
    const b = Buffer.from(issueToken(key, actor, t0, random));
    expect(a.equals(b)).toBe(false);
  });

  it('are refused under another key, when any byte is changed, truncated or extended', () => {
    const token = issueToken(key, actor, t0, random);
    expect(verifyToken(randomBytes(32), token, t0)).toBeNull();
    for (let index = 0; index < token.length; index += 1) {
      const tampered = Uint8Array.from(token);
      tampered[index] = (tampered[index] ?? 0) ^ 0x01;
      expect(verifyToken(key, tampered, t0)).toBeNull();
    }
    expect(verifyToken(key, token.subarray(0, token.length - 1), t0)).toBeNull();
    expect(verifyToken(key, Buffer.concat([token, Buffer.from([0])]), t0)).toBeNull();
    expect(verifyToken(key, new Uint8Array(0), t0)).toBeNull();
    expect(verifyToken(key, new Uint8Array(100_000), t0)).toBeNull();
  });

  it('name their kind under the MAC: a voter token is never an official session, nor the reverse', () => {
    const voterToken = issueToken(key, actor, t0, random);
    const session = issueToken(key, official, t0, random);
    expect(verifyToken(key, session, t0)).toEqual({ ...official, expiresAtMs: t0 + tokenLifetimeMs });
    const verifier = new TokenVerifier(key);
    expect(verifier.verify(voterToken, t0, 'voter')).not.toBeNull();
    expect(verifier.verify(voterToken, t0, 'official')).toBeNull();
    expect(verifier.verify(session, t0, 'official')).not.toBeNull();
    expect(verifier.verify(session, t0, 'voter')).toBeNull();
    // Rewriting the kind byte breaks the MAC.
    const relabelled = Uint8Array.from(voterToken);
    relabelled[0] = session[0] ?? 0;
    expect(verifyToken(key, relabelled, t0)).toBeNull();
  });

  it('issued before officials existed (version byte 1, now the voter kind) are still voter tokens', () => {
    // The layout as it was: version 1 · registration · expiry · nonce · name length · name · HMAC.
    const name = Buffer.from(actor.name);
    const body = Buffer.alloc(1 + 8 + 8 + 16 + 2 + name.length);
    body.writeUInt8(1, 0);
    body.writeBigUInt64BE(42n, 1);
    body.writeBigUInt64BE(BigInt(t0 + tokenLifetimeMs), 9);
    body.writeUInt16BE(name.length, 33);
    name.copy(body, 35);
    const legacy = Buffer.concat([body, createHmac('sha256', key).update(body).digest()]);
    expect(new TokenVerifier(key).verify(legacy, t0, 'voter')).toEqual({
      ...actor,
      expiresAtMs: t0 + tokenLifetimeMs,
    });
  });

  it('are remembered as genuine but still expire, whichever kind is asked for first', () => {
    const verifier = new TokenVerifier(key);
    const session = issueToken(key, official, t0, random);
    expect(verifier.verify(session, t0, 'voter')).toBeNull();
    expect(verifier.verify(session, t0 + 1, 'official')).toMatchObject({ kind: 'official', name: '陳大文' });
    expect(verifier.verify(session, t0 + tokenLifetimeMs, 'official')).toBeNull();
  });
});

describe('Ed25519 signatures (Node crypto) match tweetnacl', () => {
  it('accepts a tweetnacl detached signature and refuses a wrong one', () => {
    const pair = nacl.sign.keyPair();
    const message = new Uint8Array(randomBytes(32));
    const signature = nacl.sign.detached(message, pair.secretKey);
    expect(isValidSignature(pair.publicKey, message, signature)).toBe(true);
    expect(isValidSignature(pair.publicKey, new Uint8Array(randomBytes(32)), signature)).toBe(false);
    expect(isValidSignature(nacl.sign.keyPair().publicKey, message, signature)).toBe(false);
    expect(isValidSignature(pair.publicKey, message, signature.subarray(0, 63))).toBe(false);
    expect(isValidSignature(pair.publicKey.subarray(0, 31), message, signature)).toBe(false);
  });
});

describe('challenges', () => {
  it('are 32 random bytes, single use and valid for 60 s', () => {
    const book = new ChallengeBook(random);
    const first = book.issue('ann', t0, true);
    expect(first.length).toBe(32);
    expect(book.take('ann', t0 + 1)).toEqual(first);
    expect(book.take('ann', t0 + 2)).toBeNull();
    book.issue('ann', t0, true);
    expect(book.take('ann', t0 + challengeLifetimeMs)).toBeNull();
  });

  it('a newer challenge replaces the older one', () => {
    const book = new ChallengeBook(random);
    book.issue('ann', t0, true);
    const newer = book.issue('ann', t0 + 1, true);
    expect(book.take('ann', t0 + 2)).toEqual(newer);
  });

  it('unknown names get a challenge that is not remembered', () => {
    const book = new ChallengeBook(random);
    expect(book.issue('nobody', t0, false).length).toBe(32);
    expect(book.take('nobody', t0)).toBeNull();
  });
});
