/**
 * The message for each way a registration or unregistration can fail, and the
 * form field it belongs next to. The register form and the CSV import report
 * show the same messages for the same reasons.
 */
import type { RegisterVoterReason } from '../../../../core/protocol/status-codes.ts';
import type { UnavailableReason } from '../../../../core/station/station-api.ts';
import type { RegisterResult, UnregisterResult } from '../../stores/voters.ts';

export type RegisterField = 'name' | 'group' | 'publicKey' | 'form';

export interface Problem<Field extends string> {
  readonly field: Field;
  /** A message key under `voters`. */
  readonly key: string;
  readonly params: Readonly<Record<string, string | number>>;
}

/** The request was fine, but the station took no write or did not answer. */
export type WriteProblem = UnavailableReason | 'unreachable';

// A record, so that a new UnavailableReason fails to compile until it has a place here (and a message).
const writeProblems: Readonly<Record<WriteProblem, true>> = {
  'storage-full': true,
  'storage-failed': true,
  stopping: true,
  'not-primary': true,
  'backup-unavailable': true,
  unreachable: true,
};

export function isWriteProblem(result: string): result is WriteProblem {
  return Object.hasOwn(writeProblems, result);
}

const refusalFields: Readonly<Record<Exclude<RegisterVoterReason, 'ok'>, RegisterField>> = {
  'voter-exists': 'name',
  'invalid-name': 'name',
  'invalid-group': 'group',
  'invalid-public-key': 'publicKey',
  'register-full': 'form',
};

/** Null when the voter was registered, or when the official was signed out (the sign-in screen follows). */
export function registerProblem(result: RegisterResult, name: string): Problem<RegisterField> | null {
  if (result === 'ok' || result === 'signed-out') return null;
  if (isWriteProblem(result)) return { field: 'form', key: `writeProblem.${result}`, params: { name } };
  return { field: refusalFields[result], key: `registerRefused.${result}`, params: { name } };
}

export function unregisterProblem(result: UnregisterResult, name: string): Problem<'form'> | null {
  if (result === 'ok' || result === 'signed-out') return null;
  if (isWriteProblem(result)) return { field: 'form', key: `writeProblem.${result}`, params: { name } };
  return { field: 'form', key: `unregisterRefused.${result}`, params: { name } };
}
