/**
 * The messages two paired stations exchange over their secure channel, as
 * JSON with binary fields in base64. Every message carries the sender's
 * epoch: a station never accepts commands from a lower epoch, and a station
 * that sees a higher one stops taking writes at once.
 */
import {
  arrayField,
  asObject,
  booleanField,
  bytesField,
  DecodeError,
  encodeJson,
  integerField,
  parseJson,
  stringField,
  type JsonObject,
} from '../codec/json-fields.ts';
import { decodeEpochRecord, type EpochStart } from './epoch-record.ts';

/**
 * 2: hellos name the process (`incarnation`), welcomes the common seq; merges after a split.
 * 3: hellos say whether the station holds an incomplete full copy (`fullCopyPending`).
 */
export const replicationProtocolVersion = 3;

export type StationRole = 'primary' | 'backup';

export interface ReplicatedRecord {
  readonly seq: number;
  readonly payload: Uint8Array;
}

export type ReplicationMessage =
  /** Sent by both sides first. */
  | {
      readonly type: 'hello';
      readonly epoch: number;
      readonly stationId: string;
      readonly role: StationRole;
      readonly preferredRole: StationRole;
      readonly lastSeq: number;
      readonly history: readonly EpochStart[];
      readonly grpcAddress: string;
      readonly protocolVersion: number;
      /** New with every start of the station: a hello with another one means the peer restarted. */
      readonly incarnation: string;
      /** A snapshot transfer from this same epoch that broke off, so the leader can resume it. */
      readonly partialSnapshot: { readonly seq: number; readonly receivedChunks: number } | null;
      /** This station reset for a full copy that is not complete: it holds part of the records. */
      readonly fullCopyPending: boolean;
    }
  /** Leader → follower: what the follower must adopt before it follows. */
  | {
      readonly type: 'welcome';
      readonly epoch: number;
      readonly history: readonly EpochStart[];
      readonly tokenKey: Uint8Array;
      /** Where the follower's log continues; 0 means the follower takes a full copy (snapshot first). */
      readonly continueAfterSeq: number;
      /**
       * The follower's last record that the leader holds alike. Records after it (a split's losing
       * side, or an old primary's last unreplicated writes) are sent as `diverged` to be merged
       * before the follower takes its full copy.
       */
      readonly commonSeq: number;
      /** The follower's last seq as its hello said: if its log moved on since, it says hello again. */
      readonly followerLastSeq: number;
    }
  /** Follower → leader: its own records after `commonSeq`, in order, a bounded batch at a time. */
  | {
      readonly type: 'diverged';
      readonly epoch: number;
      readonly commonSeq: number;
      readonly records: readonly ReplicatedRecord[];
      /** True on the last batch. */
      readonly final: boolean;
    }
  /** Leader → follower: the diverged records up to `upToSeq` are merged and durable here. */
  | { readonly type: 'merged'; readonly epoch: number; readonly upToSeq: number }
  | {
      readonly type: 'snapshot-chunk';
      readonly epoch: number;
      readonly seq: number;
      readonly index: number;
      readonly count: number;
      readonly chunk: Uint8Array;
    }
  | { readonly type: 'records'; readonly epoch: number; readonly records: readonly ReplicatedRecord[] }
  | {
      readonly type: 'heartbeat';
      readonly epoch: number;
      readonly lastSeq: number;
      /** With a witness: when the leader sent it (its lease clock), for the follower to echo. */
      readonly sentAtMs?: number;
    }
  /** Follower → leader: everything up to `seq` is durable here. */
  | {
      readonly type: 'ack';
      readonly epoch: number;
      readonly seq: number;
      /**
       * The `sentAtMs` of the newest heartbeat the follower received: it promises not to seek
       * promotion until the fail-over time after that, which the leader counts as a lease.
       */
      readonly heartbeatSentAtMs?: number;
    }
  /** Leader → follower: writes have stopped at `lastSeq`; become primary in `newEpoch`. */
  | { readonly type: 'handover'; readonly epoch: number; readonly newEpoch: number; readonly lastSeq: number }
  /** New primary → old leader: the new epoch is durable here and it serves. */
  | { readonly type: 'handover-done'; readonly epoch: number };

export function encodeReplicationMessage(message: ReplicationMessage): Uint8Array {
  switch (message.type) {
    case 'welcome':
      return encodeJson({ ...message, tokenKey: base64(message.tokenKey) });
    case 'snapshot-chunk':
      return encodeJson({ ...message, chunk: base64(message.chunk) });
    case 'records':
    case 'diverged':
      return encodeJson({
        ...message,
        records: message.records.map((record) => ({ seq: record.seq, payload: base64(record.payload) })),
      });
    case 'hello':
    case 'heartbeat':
    case 'ack':
    case 'handover':
    case 'handover-done':
    case 'merged':
      return encodeJson(message);
  }
}

/** Decodes and checks a message; a malformed one is a DecodeError (the connection is then dropped). */
export function decodeReplicationMessage(bytes: Uint8Array): ReplicationMessage {
  const object = parseJson(bytes, 'replication message');
  const type = stringField(object, 'type');
  const epoch = integerField(object, 'epoch');
  switch (type) {
    case 'hello':
      return {
        type,
        epoch,
        stationId: stringField(object, 'stationId'),
        role: roleField(object, 'role'),
        preferredRole: roleField(object, 'preferredRole'),
        lastSeq: integerField(object, 'lastSeq'),
        history: decodeEpochRecord({ epoch, history: object['history'] }).history,
        grpcAddress: stringField(object, 'grpcAddress'),
        protocolVersion: integerField(object, 'protocolVersion'),
        incarnation: stringField(object, 'incarnation'),
        partialSnapshot: decodePartialSnapshot(object['partialSnapshot']),
        fullCopyPending: booleanField(object, 'fullCopyPending'),
      };
    case 'welcome':
      return {
        type,
        epoch,
        history: decodeEpochRecord({ epoch, history: object['history'] }).history,
        tokenKey: bytesField(object, 'tokenKey'),
        continueAfterSeq: integerField(object, 'continueAfterSeq'),
        commonSeq: integerField(object, 'commonSeq'),
        followerLastSeq: integerField(object, 'followerLastSeq'),
      };
    case 'snapshot-chunk':
      return {
        type,
        epoch,
        seq: integerField(object, 'seq'),
        index: integerField(object, 'index'),
        count: integerField(object, 'count'),
        chunk: bytesField(object, 'chunk'),
      };
    case 'records':
      return { type, epoch, records: decodeRecords(object) };
    case 'diverged':
      return {
        type,
        epoch,
        commonSeq: integerField(object, 'commonSeq'),
        records: decodeRecords(object),
        final: booleanField(object, 'final'),
      };
    case 'merged':
      return { type, epoch, upToSeq: integerField(object, 'upToSeq') };
    case 'heartbeat': {
      const sentAtMs = optionalIntegerField(object, 'sentAtMs');
      return {
        type,
        epoch,
        lastSeq: integerField(object, 'lastSeq'),
        ...(sentAtMs === null ? {} : { sentAtMs }),
      };
    }
    case 'ack': {
      const heartbeatSentAtMs = optionalIntegerField(object, 'heartbeatSentAtMs');
      return {
        type,
        epoch,
        seq: integerField(object, 'seq'),
        ...(heartbeatSentAtMs === null ? {} : { heartbeatSentAtMs }),
      };
    }
    case 'handover':
      return {
        type,
        epoch,
        newEpoch: integerField(object, 'newEpoch'),
        lastSeq: integerField(object, 'lastSeq'),
      };
    case 'handover-done':
      return { type, epoch };
    default:
      throw new DecodeError(`unknown replication message ${JSON.stringify(type).slice(0, 40)}`);
  }
}

function decodeRecords(object: JsonObject): ReplicatedRecord[] {
  return arrayField(object, 'records').map((value) => {
    const record = asObject(value, 'record');
    return { seq: integerField(record, 'seq'), payload: bytesField(record, 'payload') };
  });
}

function decodePartialSnapshot(value: unknown): { seq: number; receivedChunks: number } | null {
  if (value === null || value === undefined) return null;
  const object = asObject(value, 'partial snapshot');
  return { seq: integerField(object, 'seq'), receivedChunks: integerField(object, 'receivedChunks') };
}

function optionalIntegerField(object: JsonObject, field: string): number | null {
  return object[field] === undefined ? null : integerField(object, field);
}

function roleField(object: JsonObject, field: string): StationRole {
  const value = stringField(object, field);
  if (value !== 'primary' && value !== 'backup') throw new DecodeError(`field ${field} is not a role`);
  return value;
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64');
}
