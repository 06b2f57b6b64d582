import { describe, expect, it } from 'vitest';
import { parsePairingKey } from '../../../core/replication/pairing-key-text.ts';
import { generatePairingKey } from '../../../renderer/src/features/station/pairing-key.ts';

describe('pairing keys made in the renderer', () => {
  it('are 160 random bits, written as the station writes them, that the station reads back', () => {
    const key = generatePairingKey();
    expect(key).toMatch(/^([0-9A-HJKMNP-TV-Z]{4}-){7}[0-9A-HJKMNP-TV-Z]{4}$/);
    expect(parsePairingKey(key)).toHaveLength(20);
    expect(generatePairingKey()).not.toBe(key);
  });
});
