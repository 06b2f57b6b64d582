/** Witness messages: every type survives a round trip; anything malformed is a DecodeError. */
import { describe, expect, it } from 'vitest';
import { DecodeError, encodeJson } from '../../core/codec/json-fields.ts';
import { decodeReplicationMessage } from '../../core/replication/messages.ts';
import {
  decodeWitnessMessage,
  encodeWitnessMessage,
  witnessMessageBytesMax,
  type WitnessMessage,
} from '../../core/witness/witness-messages.ts';

const samples: readonly WitnessMessage[] = [
  { type: 'lease-request', requestId: 1, epoch: 3, stationId: 'a1b2', synced: 'c3d4', durationMs: 1_125 },
  { type: 'lease-request', requestId: 2, epoch: 3, stationId: 'a1b2', synced: null, durationMs: 1_125 },
  { type: 'vote-request', requestId: 3, epoch: 4, stationId: 'c3d4', fromEpoch: 3, durationMs: 1_125 },
  { type: 'release', requestId: 4, epoch: 4, stationId: 'c3d4', synced: 'a1b2' },
  { type: 'lease-granted', requestId: 1, epoch: 3, durationMs: 1_125, synced: null },
  { type: 'vote-granted', requestId: 3, epoch: 4, durationMs: 1_125 },
  { type: 'released', requestId: 4, epoch: 4, synced: 'a1b2' },
  { type: 'refused', requestId: 5, epoch: 4, holder: 'c3d4', reason: 'lease-running', retryAfterMs: 80 },
  { type: 'refused', requestId: 6, epoch: 0, holder: '', reason: 'not-current', retryAfterMs: 0 },
];

function raw(fields: Record<string, unknown>): Uint8Array {
  return encodeJson({ witnessProtocol: 1, requestId: 1, epoch: 1, ...fields });
}

describe('witness messages', () => {
  it.each(samples.map((message) => [message.type, message] as const))(
    '%s survives a round trip',
    (_, message) => {
      expect(decodeWitnessMessage(encodeWitnessMessage(message))).toEqual(message);
    },
  );

  it('carries the protocol version and refuses another', () => {
    const bytes = encodeWitnessMessage({ type: 'vote-granted', requestId: 1, epoch: 1, durationMs: 1 });
    expect(JSON.parse(Buffer.from(bytes).toString('utf8'))).toMatchObject({ witnessProtocol: 1 });
    expect(() =>
      decodeWitnessMessage(raw({ witnessProtocol: 2, type: 'vote-granted', durationMs: 1 })),
    ).toThrow(/version 2/);
  });

  it.each([
    ['an unknown type', raw({ type: 'hello' })],
    ['a negative epoch', raw({ type: 'vote-granted', epoch: -1, durationMs: 1 })],
    ['a lease above the limit', raw({ type: 'vote-granted', durationMs: 3_600_000 })],
    [
      'a station id with spaces',
      raw({ type: 'vote-request', stationId: 'a b', fromEpoch: 0, durationMs: 1 }),
    ],
    ['an unknown refusal', raw({ type: 'refused', holder: '', reason: 'tired', retryAfterMs: 0 })],
    ['not JSON', Buffer.from('{')],
    ['too large', Buffer.alloc(witnessMessageBytesMax + 1, 0x20)],
  ])('refuses %s', (_, bytes) => {
    expect(() => decodeWitnessMessage(bytes)).toThrow(DecodeError);
  });

  it('is never taken for a replication message, nor the other way round', () => {
    expect(() =>
      decodeReplicationMessage(
        encodeWitnessMessage({ type: 'vote-granted', requestId: 1, epoch: 1, durationMs: 1 }),
      ),
    ).toThrow();
    expect(() => decodeWitnessMessage(encodeJson({ type: 'heartbeat', epoch: 1, lastSeq: 3 }))).toThrow(
      DecodeError,
    );
  });
});
