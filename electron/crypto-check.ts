/**
 * Electron's Node is built on BoringSSL, not OpenSSL. Before the station
 * starts, the app checks with known answers that every primitive the core
 * uses is there and right: Ed25519 verification (voters' and officials'
 * sign-in), HMAC-SHA256 (session tokens), HKDF (cluster id, TLS key), the
 * P-256 key and self-signed certificate derived from a pairing key (ECDH,
 * JWK import, WebCrypto ECDSA), and a TLS 1.3 handshake with mutual
 * certificate pinning over loopback (the replication channel). A failure is
 * reported by name instead of surfacing later as a confusing error.
 */
import { createHmac } from 'node:crypto';
import { isValidSignature } from '../core/auth/signatures.ts';
import { createMemoryLogger } from '../core/logging/logger.ts';
import { clusterIdOf, deriveTlsIdentity } from '../core/replication/pairing-key.ts';
import { connectSecure, listenSecure } from '../core/replication/secure-channel.ts';

export interface CryptoCheck {
  readonly name: string;
  /** Null when it passed; otherwise what went wrong. */
  readonly failure: string | null;
}

// RFC 8032, section 7.1, test 1 (the empty message).
const ed25519PublicKey = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a';
const ed25519Signature =
  'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b';
// RFC 4231, test case 2.
const hmacKey = 'Jefe';
const hmacData = 'what do ya want for nothing?';
const hmacExpected = '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843';
/** Pairing key bytes 1..20, and what the core derives from them (computed with Node's OpenSSL build). */
const pairingKey = Uint8Array.from({ length: 20 }, (_, index) => index + 1);
const clusterIdExpected = '73f5272d905a15a9';
const tlsKeyFingerprintExpected = '8d051d6ff2d2c45edf9c3ee2bd6e2a185652295a1387bc1fce6da98acd738311';
const handshakeTimeoutMs = 5_000;

export async function checkCrypto(): Promise<readonly CryptoCheck[]> {
  return [
    await run('Ed25519 signature verification', () => {
      const publicKey = Buffer.from(ed25519PublicKey, 'hex');
      const signature = Buffer.from(ed25519Signature, 'hex');
      if (!isValidSignature(publicKey, new Uint8Array(0), signature)) return 'a valid signature was refused';
      const forged = Buffer.from(signature);
      forged[0] = (forged[0] ?? 0) ^ 1;
      return isValidSignature(publicKey, new Uint8Array(0), forged)
        ? 'a forged signature was accepted'
        : null;
    }),
    await run('HMAC-SHA256', () =>
      createHmac('sha256', hmacKey).update(hmacData).digest('hex') === hmacExpected ? null : 'wrong result',
    ),
    await run('HKDF-SHA256', () => (clusterIdOf(pairingKey) === clusterIdExpected ? null : 'wrong result')),
    await run('P-256 key and certificate from the pairing key', async () => {
      const identity = await deriveTlsIdentity(pairingKey);
      return identity.publicKeySpkiSha256 === tlsKeyFingerprintExpected ? null : 'wrong key derived';
    }),
    await run('TLS 1.3 with pinned P-256 certificates', checkTlsHandshake),
  ];
}

async function checkTlsHandshake(): Promise<string | null> {
  const identity = await deriveTlsIdentity(pairingKey);
  const logger = createMemoryLogger();
  const accepted = { count: 0 };
  const listener = await listenSecure({
    host: '127.0.0.1',
    port: 0,
    identity,
    logger,
    onConnection: (connection) => {
      accepted.count++;
      connection.close();
    },
  });
  try {
    const connection = await connectSecure({
      host: '127.0.0.1',
      port: listener.port,
      identity,
      logger,
      timeoutMs: handshakeTimeoutMs,
    });
    connection.close();
    return (await waitFor(() => accepted.count > 0)) ? null : 'the listener never accepted the connection';
  } finally {
    await listener.close();
  }
}

async function waitFor(condition: () => boolean): Promise<boolean> {
  for (let attempt = 0; attempt < 50 && !condition(); attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return condition();
}

async function run(name: string, check: () => string | null | Promise<string | null>): Promise<CryptoCheck> {
  try {
    return { name, failure: await check() };
  } catch (error) {
    return { name, failure: error instanceof Error ? error.message : String(error) };
  }
}
