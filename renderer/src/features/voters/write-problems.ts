/**
 * The message for each way a registration or unregistration can fail, and the
 * form field it belongs next to. The register form and the CSV import report
 * show the same messages for the same reasons.
 */
import type { StationStatus } from '../../../../core/api/interface-api.ts';
import type { RegisterVoterReason } from '../../../../core/protocol/status-codes.ts';
import type { UnavailableReason } from '../../../../core/station/station-api.ts';
import type { MessageRef } from '../../i18n/index.ts';
import { unavailableMessage } from '../../i18n/unavailable-message.ts';
import type { RegisterResult, UnregisterResult } from '../../stores/voters.ts';

export type RegisterField = 'name' | 'group' | 'publicKey' | 'form';

export interface Problem<Field extends string> extends MessageRef {
  readonly field: Field;
}

/** The request was fine, but the station took no write or did not answer. */
export type WriteProblem = UnavailableReason | 'unreachable';

// A record, so that a new UnavailableReason fails to compile until it has a place here.
const writeProblems: Readonly<Record<WriteProblem, true>> = {
  'storage-full': true,
  'storage-failed': true,
  stopping: true,
  'not-primary': true,
  'backup-unavailable': true,
  'no-quorum': true,
  unreachable: true,
};

export function isWriteProblem(result: string): result is WriteProblem {
  return Object.hasOwn(writeProblems, result);
}

function writeProblemMessage(problem: WriteProblem, status: StationStatus | null): MessageRef {
  return problem === 'unreachable'
    ? { key: 'voters.writeUnreachable', params: {} }
    : unavailableMessage(problem, status);
}

const refusalFields: Readonly<Record<Exclude<RegisterVoterReason, 'ok'>, RegisterField>> = {
  'voter-exists': 'name',
  'invalid-name': 'name',
  'invalid-group': 'group',
  'invalid-public-key': 'publicKey',
  'register-full': 'form',
};

/**
 * Null when the voter was registered, or when the official was signed out (the
 * sign-in screen follows). `status` is the station's, for naming the primary.
 */
export function registerProblem(
  result: RegisterResult,
  name: string,
  status: StationStatus | null,
): Problem<RegisterField> | null {
  if (result === 'ok' || result === 'signed-out') return null;
  if (isWriteProblem(result)) return { field: 'form', ...writeProblemMessage(result, status) };
  return { field: refusalFields[result], key: `voters.registerRefused.${result}`, params: { name } };
}

export function unregisterProblem(
  result: UnregisterResult,
  name: string,
  status: StationStatus | null,
): Problem<'form'> | null {
  if (result === 'ok' || result === 'signed-out') return null;
  if (isWriteProblem(result)) return { field: 'form', ...writeProblemMessage(result, status) };
  return { field: 'form', key: `voters.unregisterRefused.${result}`, params: { name } };
}
