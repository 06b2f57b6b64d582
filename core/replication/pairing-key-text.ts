/**
 * The pairing key as text: Crockford base32 in groups of four, read back
 * forgivingly. Pure (no Node APIs), so the interface formats keys it makes in
 * the browser exactly as the station does.
 */

/** 160 bits: comfortably above the required 128, and exactly 32 base32 characters. */
export const pairingKeyBytes = 20;

const crockfordAlphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const bitsPerCharacter = 5;
const pairingKeyCharacters = (pairingKeyBytes * 8) / bitsPerCharacter;
const groupCharacters = 4;

export interface PairingKeyError {
  readonly error: string;
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

/** Throws on a key of the wrong length: callers hold keys they made or parsed, so this is a bug. */
export function checkKeyLength(keyBytes: Uint8Array): void {
  if (keyBytes.length !== pairingKeyBytes)
    throw new RangeError(`a pairing key has ${pairingKeyBytes} bytes, not ${keyBytes.length}`);
}
