// @vitest-environment node
import { describe, expect, it } from 'vitest';
import {
  formatPairingKey,
  generatePairingKey,
  pairingKeyBytes,
} from '../../../renderer/src/features/station/pairing-key.ts';

/** The station's own module; named by a variable so the renderer's type check (no Node types) does not follow it. */
const corePairingKeyPath = '../../../core/replication/pairing-key.ts';

interface CorePairingKey {
  readonly pairingKeyBytes: number;
  formatPairingKey(keyBytes: Uint8Array): string;
  parsePairingKey(text: string): Uint8Array | { readonly error: string };
}

const core = (await import(/* @vite-ignore */ corePairingKeyPath)) as CorePairingKey;

describe('pairing keys made in the renderer', () => {
  it('are written exactly as the station writes them', () => {
    expect(pairingKeyBytes).toBe(core.pairingKeyBytes);
    const fixed = Uint8Array.from({ length: 20 }, (_, index) => (index * 37 + 11) % 256);
    expect(formatPairingKey(fixed)).toBe(core.formatPairingKey(fixed));
    expect(formatPairingKey(new Uint8Array(20).fill(0xff))).toBe(
      core.formatPairingKey(new Uint8Array(20).fill(0xff)),
    );
    expect(formatPairingKey(new Uint8Array(20))).toBe('0000-0000-0000-0000-0000-0000-0000-0000');
  });

  it('are 160 random bits that the station reads back', () => {
    const key = generatePairingKey();
    expect(key).toMatch(/^([0-9A-HJKMNP-TV-Z]{4}-){7}[0-9A-HJKMNP-TV-Z]{4}$/);
    expect(core.parsePairingKey(key)).toHaveLength(20);
    expect(generatePairingKey()).not.toBe(key);
  });

  it('refuse a key of the wrong length', () => {
    expect(() => formatPairingKey(new Uint8Array(16))).toThrow(RangeError);
  });
});
