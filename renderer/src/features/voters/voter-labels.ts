/**
 * What a voter's name and group must be before they are sent: present, and
 * within the protocol's byte limits. The register form and the CSV import
 * check the same way; the station still judges everything else.
 */
import { limits } from '../../../../core/protocol/limits.ts';
import type { MessageRef } from '../../i18n/index.ts';
import { utf8Bytes } from '../../text/utf8.ts';

export type TooLong = 'name-too-long' | 'group-too-long';

/** What is wrong with a trimmed name, or null. */
export function nameProblem(name: string): 'missing-name' | 'name-too-long' | null {
  if (name === '') return 'missing-name';
  return utf8Bytes(name) > limits.voterNameBytesMax ? 'name-too-long' : null;
}

/** What is wrong with a trimmed group, or null. */
export function groupProblem(group: string): 'missing-group' | 'group-too-long' | null {
  if (group === '') return 'missing-group';
  return utf8Bytes(group) > limits.groupNameBytesMax ? 'group-too-long' : null;
}

/** The message of a name or group too long, with its limit; the form and the import report share it. */
export function tooLongMessage(problem: TooLong): MessageRef {
  return problem === 'name-too-long'
    ? { key: 'voters.tooLong.name', params: { max: limits.voterNameBytesMax } }
    : { key: 'voters.tooLong.group', params: { max: limits.groupNameBytesMax } };
}
