import { describe, expect, it } from 'vitest';
import { checkCrypto } from '../../electron/crypto-check.ts';

describe('the crypto self-check run before the station starts', () => {
  it('passes on Node (OpenSSL) with every primitive the core uses', async () => {
    const checks = await checkCrypto();
    expect(checks.map((check) => check.name)).toEqual([
      'Ed25519 signature verification',
      'HMAC-SHA256',
      'HKDF-SHA256',
      'P-256 key and certificate from the pairing key',
      'TLS 1.3 with pinned P-256 certificates',
    ]);
    expect(checks.filter((check) => check.failure !== null)).toEqual([]);
  });
});
