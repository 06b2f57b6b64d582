/**
 * A voter's existing Ed25519 public key as an official pastes it or a CSV file
 * carries it: 32 bytes as base64 (standard or URL-safe, padding optional) or as
 * hexadecimal. Whitespace anywhere is ignored, since keys are often wrapped or
 * copied with a trailing newline.
 */
import { limits } from '../../../../core/protocol/limits.ts';

export type PublicKeyProblem =
  | { readonly problem: 'empty' }
  | { readonly problem: 'not-key-text' }
  /** Decoded, but not 32 bytes long. */
  | { readonly problem: 'wrong-length'; readonly bytes: number };

export type ParsedPublicKey = { readonly publicKey: Uint8Array } | PublicKeyProblem;

const hexPattern = /^(?:[0-9a-fA-F]{2})+$/;
const base64Pattern = /^[A-Za-z0-9+/_-]+={0,2}$/;

export function parsePublicKeyText(text: string): ParsedPublicKey {
  const compact = text.replace(/\s+/g, '');
  if (compact === '') return { problem: 'empty' };
  // Even-length hex text is read as hex: a 32-byte key in base64 has 43 characters, or 44 with "=", so it never is.
  const bytes = hexPattern.test(compact) ? fromHex(compact) : fromBase64(compact);
  if (bytes === null) return { problem: 'not-key-text' };
  if (bytes.length !== limits.publicKeyBytes) return { problem: 'wrong-length', bytes: bytes.length };
  return { publicKey: bytes };
}

function fromHex(text: string): Uint8Array {
  return Uint8Array.from(text.match(/../g) ?? [], (pair) => Number.parseInt(pair, 16));
}

function fromBase64(text: string): Uint8Array | null {
  if (!base64Pattern.test(text)) return null;
  const standard = text.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '');
  // A base64 text never leaves a single character over; atob would reject it anyway, with an exception.
  if (standard.length % 4 === 1) return null;
  try {
    const binary = atob(standard.padEnd(Math.ceil(standard.length / 4) * 4, '='));
    return Uint8Array.from(binary, (char) => char.charCodeAt(0));
  } catch {
    return null;
  }
}
