import { randomBytes } from 'node:crypto';
import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';
import { ChallengeBook } from '../../core/auth/challenges.ts';
import { isValidSignature } from '../../core/auth/signatures.ts';
import { issueToken, verifyToken } from '../../core/auth/tokens.ts';
import { challengeLifetimeMs, tokenLifetimeMs } from '../../core/protocol/limits.ts';

const t0 = 1_800_000_000_000;
const key = randomBytes(32);
const random = (count: number) => new Uint8Array(randomBytes(count));

describe('tokens', () => {
  const actor = { voter: '陳大文', registration: 42 };

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
