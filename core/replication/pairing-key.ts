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

/** 160 bits: comfortably above the required 128, and exactly 32 base32 characters. */
export const pairingKeyBytes = 20;

const crockfordAlphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const bitsPerCharacter = 5;
const pairingKeyCharacters = (pairingKeyBytes * 8) / bitsPerCharacter;
const groupCharacters = 4;

export interface PairingKeyError {
  readonly error: string;
}

/** A new random pairing key, formatted for reading aloud, e.g. `7KQ2-M9XD-…`. */
export function generatePairingKey(randomBytes: RandomBytes = systemRandomBytes): string {
  const keyBytes = randomBytes(pairingKeyBytes);
  if (keyBytes.length !== pairingKeyBytes)
    throw new RangeError(`expected ${pairingKeyBytes} random bytes, got ${keyBytes.length}`);
  return formatPairingKey(keyBytes);
}

/** Crockford base32 in groups of four, the form shown to the official. */
export function formatPairingKey(keyBytes: Uint8Array): string {
  checkKeyLength(keyBytes);
  let characters = '';
  let pendingBits = 0;
  let pendingBitCount = 0;
  for (const byte of keyBytes) {
    pendingBits = (pendingBits << 8) | byte;
    pendingBitCount += 8;
    while (pendingBitCount >= bitsPerCharacter) {
      pendingBitCount -= bitsPerCharacter;
      characters += crockfordAlphabet.charAt((pendingBits >> pendingBitCount) & 0b11111);
    }
    // Only the bits not yet emitted are kept, so the number never overflows.
    pendingBits &= (1 << pendingBitCount) - 1;
  }
  const groups: string[] = [];
  for (let start = 0; start < characters.length; start += groupCharacters)
    groups.push(characters.slice(start, start + groupCharacters));
  return groups.join('-');
}

/**
 * Reads a pairing key as an official may type it: any case, with or without
 * dashes and spaces, and with the look-alikes O (for 0) and I or L (for 1).
 */
export function parsePairingKey(text: string): Uint8Array | PairingKeyError {
  const characters = text
    .toUpperCase()
    .replace(/[\s-]+/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
  const invalid = /[^0-9A-HJKMNP-TV-Z]/.exec(characters);
  if (invalid !== null)
    return { error: `the pairing key contains "${invalid[0]}", which is not one of its characters` };
  if (characters.length < pairingKeyCharacters)
    return {
      error: `the pairing key is too short: ${characters.length} of ${pairingKeyCharacters} characters`,
    };
  if (characters.length > pairingKeyCharacters)
    return {
      error: `the pairing key is too long: ${characters.length} of ${pairingKeyCharacters} characters`,
    };
  const keyBytes = new Uint8Array(pairingKeyBytes);
  let pendingBits = 0;
  let pendingBitCount = 0;
  let byteIndex = 0;
  for (const character of characters) {
    pendingBits = (pendingBits << bitsPerCharacter) | crockfordAlphabet.indexOf(character);
    pendingBitCount += bitsPerCharacter;
    if (pendingBitCount >= 8) {
      pendingBitCount -= 8;
      keyBytes[byteIndex++] = (pendingBits >> pendingBitCount) & 0xff;
      pendingBits &= (1 << pendingBitCount) - 1;
    }
  }
  return keyBytes;
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

function checkKeyLength(keyBytes: Uint8Array): void {
  if (keyBytes.length !== pairingKeyBytes)
    throw new RangeError(`a pairing key has ${pairingKeyBytes} bytes, not ${keyBytes.length}`);
}
