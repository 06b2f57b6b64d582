/**
 * The pairing key: the one secret two stations share so that only they can
 * replicate to each other. It is shown once to the official, typed into the
 * other station, and everything else (a public cluster id, the TLS key pair)
 * is derived from it. The key itself must never reach a log line.
 */
import {
  createECDH,
  createHash,
  createPrivateKey,
  createPublicKey,
  hkdfSync,
  webcrypto,
  type JsonWebKey,
} from 'node:crypto';
// @peculiar/x509 uses tsyringe, which needs the Reflect metadata API loaded first.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { systemRandomBytes, type RandomBytes } from '../station/environment.ts';
import { checkKeyLength, formatPairingKey, pairingKeyBytes } from './pairing-key-text.ts';

export {
  formatPairingKey,
  pairingKeyBytes,
  parsePairingKey,
  type PairingKeyError,
} from './pairing-key-text.ts';

/** A new random pairing key, formatted for reading aloud, e.g. `7KQ2-M9XD-…`. */
export function generatePairingKey(randomBytes: RandomBytes = systemRandomBytes): string {
  const keyBytes = randomBytes(pairingKeyBytes);
  if (keyBytes.length !== pairingKeyBytes)
    throw new RangeError(`expected ${pairingKeyBytes} random bytes, got ${keyBytes.length}`);
  return formatPairingKey(keyBytes);
}

/**
 * A public name for the pair of stations, safe to announce (e.g. in mDNS TXT
 * records): HKDF is one-way, so it reveals nothing about the key.
 */
export function clusterIdOf(keyBytes: Uint8Array): string {
  checkKeyLength(keyBytes);
  return Buffer.from(hkdfSync('sha256', keyBytes, new Uint8Array(0), 'evote cluster id v1', 8)).toString(
    'hex',
  );
}

export interface TlsIdentity {
  /** The derived private key (PKCS#8 PEM). Secret: never log it. */
  readonly keyPem: string;
  /** A self-signed certificate carrying the derived public key. */
  readonly certPem: string;
  /** SHA-256 of the public key's DER SubjectPublicKeyInfo, hex: what peers pin. */
  readonly publicKeySpkiSha256: string;
}

/** Order of the P-256 group (SEC 2, secp256r1). */
const p256OrderN = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const p256ScalarBytes = 32;
/** 16 bytes more than the scalar, so the reduction's bias is below 2^-128. */
const scalarSeedBytes = 48;
/** Clocks on polling-station machines are not trusted, so validity never gets in the way. */
const certificateNotBefore = new Date('2000-01-01T00:00:00Z');
const certificateNotAfter = new Date('2099-12-31T23:59:59Z');

/**
 * The TLS key pair every station holding this pairing key derives alike: an
 * ECDSA P-256 key (supported by both OpenSSL and BoringSSL in TLS 1.3) and a
 * self-signed certificate for it. Certificates made on two stations differ in
 * their signature bytes (ECDSA signing is randomised); peers pin the public
 * key, not the certificate, so that does not matter.
 */
export async function deriveTlsIdentity(keyBytes: Uint8Array): Promise<TlsIdentity> {
  checkKeyLength(keyBytes);
  const seed = Buffer.from(
    hkdfSync('sha256', keyBytes, new Uint8Array(0), 'evote tls key v1', scalarSeedBytes),
  );
  // Reduce into [1, n-1]: every value is a valid private scalar.
  const scalar = (BigInt(`0x${seed.toString('hex')}`) % (p256OrderN - 1n)) + 1n;
  const scalarBytes = Buffer.from(scalar.toString(16).padStart(p256ScalarBytes * 2, '0'), 'hex');
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(scalarBytes);
  const publicPoint = ecdh.getPublicKey(null, 'uncompressed');
  const publicJwk = {
    kty: 'EC',
    crv: 'P-256',
    x: publicPoint.subarray(1, 1 + p256ScalarBytes).toString('base64url'),
    y: publicPoint.subarray(1 + p256ScalarBytes).toString('base64url'),
  } satisfies JsonWebKey;
  const jwk = { ...publicJwk, d: scalarBytes.toString('base64url') } satisfies JsonWebKey;
  const privateKey = createPrivateKey({ key: jwk, format: 'jwk' });
  const publicKeySpkiDer = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });

  const algorithm = { name: 'ECDSA', namedCurve: 'P-256' };
  const keys = {
    privateKey: await webcrypto.subtle.importKey('jwk', jwk, algorithm, false, ['sign']),
    publicKey: await webcrypto.subtle.importKey('jwk', publicJwk, algorithm, true, ['verify']),
  };
  // The provider is passed per call rather than set globally, so this module
  // does not change how other users of @peculiar/x509 in the process behave.
  const certificate = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: '01',
      name: 'CN=evote station',
      notBefore: certificateNotBefore,
      notAfter: certificateNotAfter,
      keys,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
      // Without extensions the library writes an empty list, which RFC 5280
      // forbids and strict parsers may refuse; these two are also accurate.
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      ],
    },
    webcrypto,
  );
  return {
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    certPem: certificate.toString('pem'),
    publicKeySpkiSha256: createHash('sha256').update(publicKeySpkiDer).digest('hex'),
  };
}
