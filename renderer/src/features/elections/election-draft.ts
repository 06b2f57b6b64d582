/**
 * The create-election form's checks and the station's answers, both turned
 * into problems attached to the field concerned. The form checks what it can
 * before sending (blank, duplicates, counts and lengths from the protocol's
 * limits), but the station stays the authority: anything it refuses is shown
 * the same way, with the protocol's code for support.
 */
import { limits } from '../../../../core/protocol/limits.ts';
import type { CreateElectionReason } from '../../../../core/protocol/status-codes.ts';
import type { StationStatus, WriteAnswer } from '../../../../core/api/interface-api.ts';
import { isUnavailable } from '../../../../core/station/station-api.ts';
import { unavailableMessage } from '../../i18n/unavailable-message.ts';
import { utf8Bytes } from '../../text/utf8.ts';
import { localDateTimeToMs } from './local-time.ts';

export type ElectionField = 'name' | 'groups' | 'choices' | 'endsAt' | 'form';

/** What the official typed, as typed. */
export interface ElectionDraft {
  readonly name: string;
  /** One group per line. */
  readonly groupsText: string;
  /** One choice per line, in ballot order. */
  readonly choicesText: string;
  /** `YYYY-MM-DD` from a date input. */
  readonly endDate: string;
  /** `HH:MM` from a time input. */
  readonly endTime: string;
}

export interface FieldProblem {
  readonly field: ElectionField;
  /** The full message key (`elections.problem.…`, or `unavailable.…` shared with the other screens). */
  readonly key: string;
  readonly params: Readonly<Record<string, string | number>>;
  /** The protocol code and reason (`3 duplicate-group`) when the station refused; shown small, for support. */
  readonly code: string | null;
}

/** The request the form sends, once every check passed. */
export interface ElectionRequest {
  readonly name: string;
  readonly groups: readonly string[];
  readonly choices: readonly string[];
  readonly endsAtMs: number;
}

/** The lines of a one-per-line list: trimmed, blank lines dropped, order kept. */
export function linesOf(text: string): string[] {
  return text
    .split(/\r\n|\r|\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

/** A problem with its message under `elections.problem`. */
const problem = (
  field: ElectionField,
  key: string,
  params: Readonly<Record<string, string | number>> = {},
  code: string | null = null,
): FieldProblem => ({ field, key: `elections.problem.${key}`, params, code });

interface ListRules {
  readonly field: 'groups' | 'choices';
  readonly countMax: number;
  readonly bytesMax: number;
}

function listProblem(items: readonly string[], rules: ListRules): FieldProblem | null {
  const { field, countMax, bytesMax } = rules;
  if (items.length === 0) return problem(field, `${field}.missing`);
  if (items.length > countMax)
    return problem(field, `${field}.tooMany`, { count: items.length, max: countMax });
  const tooLong = items.find((item) => utf8Bytes(item) > bytesMax);
  if (tooLong !== undefined) return problem(field, `${field}.tooLong`, { item: tooLong, max: bytesMax });
  const duplicate = items.find((item, index) => items.indexOf(item) !== index);
  if (duplicate !== undefined) return problem(field, `${field}.duplicate`, { item: duplicate });
  return null;
}

function endProblem(draft: ElectionDraft, nowMs: number): FieldProblem | null {
  if (draft.endDate === '' || draft.endTime === '') return problem('endsAt', 'endsAt.missing');
  const end = localDateTimeToMs(draft.endDate, draft.endTime);
  if ('problem' in end) return problem('endsAt', `endsAt.${end.problem}`);
  if (end.atMs <= nowMs) return problem('endsAt', 'endsAt.notInFuture');
  if (end.atMs - nowMs > limits.electionDurationMsMax) return problem('endsAt', 'endsAt.tooFar');
  return null;
}

/**
 * Checks a draft against the protocol's limits; `nowMs` is the station's time,
 * since the station decides whether the end lies in the future.
 */
export function checkDraft(
  draft: ElectionDraft,
  nowMs: number,
): { readonly request: ElectionRequest } | { readonly problems: readonly FieldProblem[] } {
  const name = draft.name.trim();
  const groups = linesOf(draft.groupsText);
  const choices = linesOf(draft.choicesText);
  const nameProblem =
    name === ''
      ? problem('name', 'name.missing')
      : utf8Bytes(name) > limits.electionNameBytesMax
        ? problem('name', 'name.tooLong', { max: limits.electionNameBytesMax })
        : null;
  const problems = [
    nameProblem,
    listProblem(groups, {
      field: 'groups',
      countMax: limits.groupsPerElectionMax,
      bytesMax: limits.groupNameBytesMax,
    }),
    listProblem(choices, {
      field: 'choices',
      countMax: limits.choicesPerElectionMax,
      bytesMax: limits.choiceNameBytesMax,
    }),
    endProblem(draft, nowMs),
  ].filter((found): found is FieldProblem => found !== null);
  if (problems.length > 0) return { problems };
  const end = localDateTimeToMs(draft.endDate, draft.endTime);
  if (!('atMs' in end)) throw new Error('an end time that passed its check must convert');
  return { request: { name, groups, choices, endsAtMs: end.atMs } };
}

/** Where each refusal of the station belongs, and its message key under `elections.problem`. */
const reasonProblems: Readonly<
  Record<Exclude<CreateElectionReason, 'ok'>, readonly [ElectionField, string]>
> = {
  'invalid-token': ['form', 'station.invalidToken'],
  'missing-groups': ['groups', 'groups.missing'],
  'missing-choices': ['choices', 'choices.missing'],
  'election-exists': ['name', 'name.exists'],
  'end-date-not-in-future': ['endsAt', 'endsAt.notInFuture'],
  'end-date-too-far': ['endsAt', 'endsAt.tooFar'],
  'invalid-end-date': ['endsAt', 'endsAt.invalid'],
  'invalid-name': ['name', 'name.invalid'],
  'invalid-group': ['groups', 'groups.invalid'],
  'invalid-choice': ['choices', 'choices.invalid'],
  'duplicate-group': ['groups', 'groups.duplicateStation'],
  'duplicate-choice': ['choices', 'choices.duplicateStation'],
  'too-many-groups': ['groups', 'groups.tooMany'],
  'too-many-choices': ['choices', 'choices.tooMany'],
  'too-many-elections': ['form', 'station.tooManyElections'],
};

/** The station's answer to `createElection`, or that it could not be reached or refused the session. */
export type CreateElectionAnswer = WriteAnswer<CreateElectionReason> | 'unreachable' | 'signed-out';

/**
 * The problem a refusal shows, or null when the election was created (or the
 * official was signed out). `status` is the station's, for naming the primary.
 */
export function problemForAnswer(
  answer: CreateElectionAnswer,
  request: ElectionRequest,
  status: StationStatus | null,
): FieldProblem | null {
  if (answer === 'signed-out') return null;
  if (answer === 'unreachable') return problem('form', 'station.unreachable');
  if (isUnavailable(answer)) {
    const message = unavailableMessage(answer.unavailable, status);
    return { field: 'form', ...message, code: `${answer.unavailable}: ${answer.message}` };
  }
  if (answer.reason === 'ok') return null;
  const [field, key] = reasonProblems[answer.reason];
  const params = {
    max: field === 'groups' ? limits.groupsPerElectionMax : limits.choicesPerElectionMax,
    count: field === 'groups' ? request.groups.length : request.choices.length,
    name: request.name,
    electionsMax: limits.electionsMax,
  };
  return problem(field, key, params, `${answer.code} ${answer.reason}`);
}
