/** Pairing keys made in the renderer, written as the station writes them (core/replication/pairing-key-text.ts). */
import { formatPairingKey, pairingKeyBytes } from '../../../../core/replication/pairing-key-text.ts';

/** A new random pairing key from the browser's cryptographic random source. */
export function generatePairingKey(): string {
  return formatPairingKey(crypto.getRandomValues(new Uint8Array(pairingKeyBytes)));
}
