/**
 * Pairing keys made in the renderer, written exactly as the station writes
 * them: this reproduces `formatPairingKey` of core/replication/pairing-key.ts,
 * which cannot be bundled here (that module needs node:crypto).
 * tests/renderer/station/pairing-key.test.ts checks that both agree.
 */

/** 160 bits, as core's `pairingKeyBytes`: exactly 32 base32 characters. */
export const pairingKeyBytes = 20;

const crockfordAlphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const bitsPerCharacter = 5;
const groupCharacters = 4;

/** Crockford base32 in groups of four, e.g. `7KQ2-M9XD-…`. */
export function formatPairingKey(keyBytes: Uint8Array): string {
  if (keyBytes.length !== pairingKeyBytes)
    throw new RangeError(`a pairing key has ${pairingKeyBytes} bytes, not ${keyBytes.length}`);
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
    pendingBits &= (1 << pendingBitCount) - 1;
  }
  const groups: string[] = [];
  for (let start = 0; start < characters.length; start += groupCharacters)
    groups.push(characters.slice(start, start + groupCharacters));
  return groups.join('-');
}

/** A new random pairing key from the browser's cryptographic random source. */
export function generatePairingKey(): string {
  return formatPairingKey(crypto.getRandomValues(new Uint8Array(pairingKeyBytes)));
}
