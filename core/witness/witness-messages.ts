/**
 * What a station and the witness say to each other over the secure channel
 * (core/replication/secure-channel.ts: mutual TLS bound to the pairing key),
 * as JSON. Every message carries the protocol version and an epoch, and a
 * request id that the answer repeats. Everything is checked on the way in, as
 * replication messages are: a malformed or oversized message, or another
 * version, drops the connection.
 *
 * The types share no name with replication messages, so a station that
 * reaches a witness by mistake (or the other way round) is refused at once.
 */
import {
  DecodeError,
  encodeJson,
  integerField,
  nonNegativeIntegerField,
  parseJson,
  stringField,
  type JsonObject,
} from '../codec/json-fields.ts';
import { leaseDurationMsMax } from './lease.ts';

export const witnessProtocolVersion = 1;

/** No witness message comes near this; a larger one is refused before it is parsed. */
export const witnessMessageBytesMax = 4096;

/** Station ids are short printable tokens (16 hex digits today); this bounds what a witness stores. */
const stationIdPattern = /^[\x21-\x7e]{1,128}$/;

export type WitnessRequest =
  /** The primary of `epoch` asks for (or renews) its lease, and says who else holds everything it acknowledged. */
  | {
      readonly type: 'lease-request';
      readonly requestId: number;
      readonly epoch: number;
      readonly stationId: string;
      /** The other station if it holds everything this one acknowledged, else null. */
      readonly synced: string | null;
      readonly durationMs: number;
    }
  /** A station asks to become primary in `epoch`; a granted vote comes with a lease. */
  | {
      readonly type: 'vote-request';
      readonly requestId: number;
      readonly epoch: number;
      readonly stationId: string;
      /** The epoch the station is in now (for the witness's log). */
      readonly fromEpoch: number;
      readonly durationMs: number;
    }
  /**
   * The holder of `epoch` gives up its lease at once (it stopped taking writes, e.g. to hand
   * the primary role over) and says who holds everything it acknowledged.
   */
  | {
      readonly type: 'release';
      readonly requestId: number;
      readonly epoch: number;
      readonly stationId: string;
      readonly synced: string | null;
    };

/** Why the witness said no. */
export type WitnessRefusalReason =
  /** The request names an epoch older than one the witness voted for: a newer primary exists. */
  | 'stale-epoch'
  /** The witness voted this epoch (or a newer one) for another station. */
  | 'epoch-taken'
  /** The asking station is not known to hold everything the current primary acknowledged. */
  | 'not-current'
  /** A lease granted to another station may still be running (or the witness just started). */
  | 'lease-running';

export type WitnessReply =
  | {
      readonly type: 'lease-granted';
      readonly requestId: number;
      readonly epoch: number;
      readonly durationMs: number;
      /** The `synced` the witness now holds for the epoch. */
      readonly synced: string | null;
    }
  | {
      readonly type: 'vote-granted';
      readonly requestId: number;
      readonly epoch: number;
      /** The lease that comes with the vote. */
      readonly durationMs: number;
    }
  | {
      readonly type: 'released';
      readonly requestId: number;
      readonly epoch: number;
      readonly synced: string | null;
    }
  | {
      readonly type: 'refused';
      readonly requestId: number;
      /** The newest epoch the witness voted for. */
      readonly epoch: number;
      /** The station it voted for ('' if none yet). */
      readonly holder: string;
      readonly reason: WitnessRefusalReason;
      /** For 'lease-running': when asking again may succeed; 0 otherwise. */
      readonly retryAfterMs: number;
    };

export type WitnessMessage = WitnessRequest | WitnessReply;

export function encodeWitnessMessage(message: WitnessMessage): Uint8Array {
  return encodeJson({ witnessProtocol: witnessProtocolVersion, ...message });
}

/** Decodes and checks a message; anything malformed is a DecodeError. */
export function decodeWitnessMessage(bytes: Uint8Array): WitnessMessage {
  if (bytes.length > witnessMessageBytesMax)
    throw new DecodeError(`a witness message has at most ${witnessMessageBytesMax} bytes`);
  const object = parseJson(bytes, 'witness message');
  const version = integerField(object, 'witnessProtocol');
  if (version !== witnessProtocolVersion)
    throw new DecodeError(`witness protocol version ${version} is not supported`);
  const type = stringField(object, 'type');
  const requestId = nonNegativeIntegerField(object, 'requestId');
  const epoch = nonNegativeIntegerField(object, 'epoch');
  switch (type) {
    case 'lease-request':
      return { type, requestId, epoch, ...senderAndSynced(object), durationMs: durationField(object) };
    case 'vote-request':
      return {
        type,
        requestId,
        epoch,
        stationId: stationIdField(object, 'stationId'),
        fromEpoch: nonNegativeIntegerField(object, 'fromEpoch'),
        durationMs: durationField(object),
      };
    case 'release':
      return { type, requestId, epoch, ...senderAndSynced(object) };
    case 'lease-granted':
      return {
        type,
        requestId,
        epoch,
        durationMs: durationField(object),
        synced: optionalStationIdField(object, 'synced'),
      };
    case 'vote-granted':
      return { type, requestId, epoch, durationMs: durationField(object) };
    case 'released':
      return { type, requestId, epoch, synced: optionalStationIdField(object, 'synced') };
    case 'refused': {
      const holder = stringField(object, 'holder');
      if (holder !== '' && !stationIdPattern.test(holder)) throw new DecodeError('field holder is malformed');
      return {
        type,
        requestId,
        epoch,
        holder,
        reason: refusalReasonField(object),
        retryAfterMs: nonNegativeIntegerField(object, 'retryAfterMs'),
      };
    }
    default:
      throw new DecodeError(`unknown witness message ${JSON.stringify(type).slice(0, 40)}`);
  }
}

export function isWitnessRequest(message: WitnessMessage): message is WitnessRequest {
  return message.type === 'lease-request' || message.type === 'vote-request' || message.type === 'release';
}

/** Whether `text` may be stored as a station id (printable ASCII, 1 to 128 characters). */
export function isStationId(text: string): boolean {
  return stationIdPattern.test(text);
}

function durationField(object: JsonObject): number {
  const value = nonNegativeIntegerField(object, 'durationMs');
  if (value > leaseDurationMsMax) throw new DecodeError(`field durationMs is above ${leaseDurationMsMax}`);
  return value;
}

function stationIdField(object: JsonObject, field: string): string {
  const value = stringField(object, field);
  if (!stationIdPattern.test(value)) throw new DecodeError(`field ${field} is not a station id`);
  return value;
}

function optionalStationIdField(object: JsonObject, field: string): string | null {
  return object[field] === null ? null : stationIdField(object, field);
}

/** The asking station and whom it says holds everything it acknowledged (lease requests and releases). */
function senderAndSynced(object: JsonObject): { readonly stationId: string; readonly synced: string | null } {
  return { stationId: stationIdField(object, 'stationId'), synced: optionalStationIdField(object, 'synced') };
}

const refusalReasons: readonly WitnessRefusalReason[] = [
  'stale-epoch',
  'epoch-taken',
  'not-current',
  'lease-running',
];

function refusalReasonField(object: JsonObject): WitnessRefusalReason {
  const value = stringField(object, 'reason');
  const reason = refusalReasons.find((known) => known === value);
  if (reason === undefined) throw new DecodeError('field reason is not a refusal reason');
  return reason;
}
