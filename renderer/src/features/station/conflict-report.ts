/**
 * The conflict report in plain words: one sentence per conflict saying what
 * was decided and why, for officials who know nothing of epochs or replays.
 * Times are the station's, shown in this screen's zone with the zone named
 * (the same stamp as on printed reports). The report holds no vote's choice,
 * so nothing here can show one.
 */
import type { Conflict } from '../../../../core/api/interface-api.ts';
import type {
  CastVoteReason,
  CreateElectionReason,
  RegisterOfficialReason,
  RegisterVoterReason,
  UnregisterVoterReason,
} from '../../../../core/protocol/status-codes.ts';
import { reportStamp } from '../elections/local-time.ts';
import { stationMessages } from './messages.ts';

/** vue-i18n's `t`, as far as this module needs it. */
export type Translate = (key: string, params: Readonly<Record<string, string | number>>) => string;

/**
 * Why the winning station refused a command on replay: the engine's reasons for the commands it
 * replays, and a merge the losing side held (core/engine/merge.ts).
 */
export type RefusalReason =
  | Exclude<
      | RegisterVoterReason
      | UnregisterVoterReason
      | RegisterOfficialReason
      | CreateElectionReason
      | CastVoteReason,
      'ok'
    >
  | 'merge-of-a-merge';

/** The reasons and commands with a wording of their own (the messages' type requires one for each). */
const knownReasons: ReadonlySet<string> = new Set(Object.keys(stationMessages.en.station.conflicts.reasons));
const describedCommands: ReadonlySet<string> = new Set(
  Object.keys(stationMessages.en.station.conflicts.commands).filter((key) => key !== 'other'),
);

export type ExplanationKey =
  | 'doubleVote'
  | 'electionMerged'
  | 'electionRenamed'
  | 'electionNotKept'
  | 'registration'
  | 'registrationAction'
  | 'notReplayed';

/** Which explanation a conflict gets: one per kind, and per outcome where the kind has several. */
export function explanationOf(conflict: Conflict): ExplanationKey {
  switch (conflict.kind) {
    case 'double-vote':
      return 'doubleVote';
    case 'election-name':
      if (conflict.resolution === 'merged') return 'electionMerged';
      return conflict.resolution === 'renamed' ? 'electionRenamed' : 'electionNotKept';
    case 'member-registration':
      return conflict.command === 'register-voter' || conflict.command === 'register-official'
        ? 'registration'
        : 'registrationAction';
    case 'not-replayed':
      return 'notReplayed';
  }
}

/** The sentence that says what was decided about `conflict`, in the current language. */
export function explainConflict(conflict: Conflict, t: Translate): string {
  const unknown = t('station.unknown', {});
  const names = {
    member: conflict.member ?? unknown,
    election: conflict.election ?? unknown,
  };
  const command = describedCommands.has(conflict.command)
    ? t(`station.conflicts.commands.${conflict.command}`, names)
    : t('station.conflicts.commands.other', { command: conflict.command });
  const reason =
    conflict.reason === null
      ? t('station.conflicts.reasonNone', {})
      : knownReasons.has(conflict.reason)
        ? t(`station.conflicts.reasons.${conflict.reason}`, {})
        : t('station.conflicts.reasonOther', { reason: conflict.reason });
  return t(`station.conflicts.explain.${explanationOf(conflict)}`, {
    ...names,
    station: conflict.sourceStationId,
    accepted: reportStamp(conflict.acceptedAtMs),
    renamedTo: conflict.renamedTo ?? unknown,
    command,
    reason,
  });
}
