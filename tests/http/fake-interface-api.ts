/**
 * An InterfaceApi that records the calls that reach it and answers with fixed
 * values, for testing a transport: a request the transport refuses must never
 * show up in `calls`.
 */
import type {
  InterfaceApi,
  InterfaceOperation,
  StationEvent,
  StationOverview,
  StationStatus,
} from '../../core/api/interface-api.ts';

export interface RecordedCall {
  readonly operation: InterfaceOperation;
  readonly request: unknown;
}

export interface FakeInterfaceApi extends InterfaceApi {
  readonly calls: RecordedCall[];
  /** Sends `event` to every subscriber. */
  emit(event: StationEvent): void;
  subscriberCount(): number;
  /** The status `overview` answers from now on. */
  setStatus(status: StationStatus): void;
}

export const sampleStatus: StationStatus = {
  role: 'primary',
  epoch: 0,
  stationId: 'station-under-test',
  writable: true,
  unprotected: true,
  peer: { connected: false, inSync: false, address: '', stationId: '', lagRecords: 0 },
  witness: { configured: false, connected: false, address: '' },
  quorum: { held: false },
};

const ok = { code: 0, reason: 'ok' } as const;

export function createFakeInterfaceApi(): FakeInterfaceApi {
  const calls: RecordedCall[] = [];
  const listeners = new Set<(event: StationEvent) => void>();
  let status = sampleStatus;
  const record = <T>(operation: InterfaceOperation, request: unknown, answer: T): Promise<T> => {
    calls.push({ operation, request });
    return Promise.resolve(answer);
  };
  return {
    calls,
    emit(event) {
      for (const listener of listeners) listener(event);
    },
    subscriberCount: () => listeners.size,
    setStatus(next) {
      status = next;
    },
    overview: () =>
      record<StationOverview>('overview', undefined, {
        status,
        nowMs: 1_800_000_000_000,
        needsFirstOfficial: false,
      }),
    createFirstOfficial: (request) => record('createFirstOfficial', request, ok),
    officialChallenge: (request) =>
      record('officialChallenge', request, { challenge: new Uint8Array(32).fill(7) }),
    officialSignIn: (request) =>
      record('officialSignIn', request, { refused: 'authentication-failed' as const }),
    registerOfficial: (request) => record('registerOfficial', request, ok),
    registerVoter: (request) => record('registerVoter', request, ok),
    unregisterVoter: (request) => record('unregisterVoter', request, ok),
    listVoters: (request) => record('listVoters', request, { total: 0, voters: [] }),
    listElections: (request) => record('listElections', request, []),
    createElection: (request) => record('createElection', request, ok),
    getResult: (request) =>
      record('getResult', request, {
        outcome: { code: 0, reason: 'ok' as const },
        counts: [{ choice: 'yes', count: 3 }],
      }),
    voterChallenge: (request) => record('voterChallenge', request, { challenge: new Uint8Array(32).fill(9) }),
    voterSignIn: (request) =>
      record('voterSignIn', request, { token: new Uint8Array([1, 2, 3]), expiresAtMs: 1_800_003_600_000 }),
    ballot: (request) => record('ballot', request, { refused: 'invalid-token' as const }),
    castVote: (request) => record('castVote', request, ok),
    auditLog: (request) => record('auditLog', request, []),
    conflictReport: (request) => record('conflictReport', request, { merges: [], conflicts: [] }),
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}
