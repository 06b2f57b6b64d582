/**
 * Why the station took no write (an `Unavailable` answer), as the message
 * every official screen shows (setup, voters, elections): one wording per
 * reason, kept in common-messages.ts. The kiosk words these for voters
 * instead (stores/voting.ts, features/vote/messages.ts).
 */
import type { StationStatus } from '../../../core/api/interface-api.ts';
import type { UnavailableReason } from '../../../core/station/station-api.ts';
import type { MessageRef } from './index.ts';

/** `status` is the station's as last pushed: on a backup it names the primary to go to. */
export function unavailableMessage(reason: UnavailableReason, status: StationStatus | null): MessageRef {
  const primary = status?.role === 'backup' ? status.peer.address : '';
  if (reason === 'not-primary' && primary !== '') {
    return { key: 'unavailable.notPrimaryAt', params: { address: primary } };
  }
  return { key: `unavailable.${reason}`, params: {} };
}
