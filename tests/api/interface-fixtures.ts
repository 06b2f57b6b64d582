/** A station interface over an in-process station, with officials and voters who sign in through it. */
import nacl from 'tweetnacl';
import { AuditLog } from '../../core/api/audit-log.ts';
import type { InterfaceApi, StationEvent, StationStatus } from '../../core/api/interface-api.ts';
import { createStationInterface, type StationInterface } from '../../core/api/station-interface.ts';
import { createMemoryLogger } from '../../core/logging/logger.ts';
import type { Clock, Timers } from '../../core/station/environment.ts';
import type { Station } from '../../core/station/station.ts';
import type { TestVoter } from '../support/station-fixtures.ts';

export const aloneStatus: StationStatus = {
  role: 'primary',
  epoch: 0,
  stationId: 'test',
  writable: true,
  unprotected: true,
  peer: { connected: false, inSync: false, address: '', stationId: '', lagRecords: 0 },
  witness: { configured: false, connected: false, address: '' },
  quorum: { held: false },
};

export interface InterfaceUnderTest {
  readonly api: StationInterface;
  readonly auditLog: AuditLog;
  readonly logger: ReturnType<typeof createMemoryLogger>;
  /** Every event the interface pushed, in order. */
  readonly events: StationEvent[];
  /** Changes what the interface's `status()` answers (report it with `api.statusChanged()`). */
  setStatus(status: StationStatus): void;
}

export function interfaceFor(station: Station, clock: Clock, timers: Timers): InterfaceUnderTest {
  const auditLog = new AuditLog(clock);
  const logger = createMemoryLogger();
  const events: StationEvent[] = [];
  let status = aloneStatus;
  const api = createStationInterface({
    station,
    status: () => status,
    auditLog,
    clock,
    timers,
    logger: auditLog.wrap(logger),
  });
  api.subscribe((event) => events.push(event));
  return {
    api,
    auditLog,
    logger,
    events,
    setStatus(next) {
      status = next;
    },
  };
}

/** The events of one type pushed so far. */
export function eventsOf<Type extends StationEvent['type']>(
  under: InterfaceUnderTest,
  type: Type,
): Extract<StationEvent, { type: Type }>[] {
  return under.events.filter((event): event is Extract<StationEvent, { type: Type }> => event.type === type);
}

export async function officialSession(
  api: Pick<InterfaceApi, 'officialChallenge' | 'officialSignIn'>,
  official: TestVoter,
): Promise<Uint8Array> {
  const { challenge } = await api.officialChallenge({ name: official.name });
  const answer = await api.officialSignIn({
    name: official.name,
    signature: nacl.sign.detached(challenge, official.keyPair.secretKey),
  });
  if (!('token' in answer)) throw new Error(`official sign-in failed for ${official.name}`);
  return answer.token;
}

export async function voterToken(api: StationInterface, voter: TestVoter): Promise<Uint8Array> {
  const { challenge } = await api.voterChallenge({ name: voter.name });
  const answer = await api.voterSignIn({
    name: voter.name,
    signature: nacl.sign.detached(challenge, voter.keyPair.secretKey),
  });
  if (!('token' in answer)) throw new Error(`voter sign-in failed for ${voter.name}`);
  return answer.token;
}
