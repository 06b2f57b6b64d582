import { describe, expect, it } from 'vitest';
import type { StationStatus } from '../../../core/api/interface-api.ts';
import type { UnavailableReason } from '../../../core/station/station-api.ts';
import { limits } from '../../../core/protocol/limits.ts';
import {
  createElectionCodes,
  outcome,
  type CreateElectionReason,
} from '../../../core/protocol/status-codes.ts';
import {
  checkDraft,
  linesOf,
  problemForAnswer,
  type ElectionDraft,
  type ElectionField,
  type ElectionRequest,
} from '../../../renderer/src/features/elections/election-draft.ts';
import { createStationI18n, locales } from '../../../renderer/src/i18n/index.ts';
import { standaloneStatus } from '../support/fake-api.ts';
import { useTimeZone } from '../support/time-zone.ts';

useTimeZone('Asia/Taipei');
const nowMs = Date.UTC(2030, 4, 1, 8, 0, 0);
const good: ElectionDraft = {
  name: '  Mayor 2030 ',
  groupsText: 'north\r\n\n  south  \n',
  choicesText: 'Chen\nLin\n\nWang',
  endDate: '2030-05-02',
  endTime: '18:30',
};

function problemsOf(draft: Partial<ElectionDraft>) {
  const checked = checkDraft({ ...good, ...draft }, nowMs);
  return 'problems' in checked ? checked.problems : [];
}

describe('checking a draft before sending it', () => {
  it('trims every entry, drops blank lines, keeps the order, and converts the end in the screen’s zone', () => {
    expect(checkDraft(good, nowMs)).toEqual({
      request: {
        name: 'Mayor 2030',
        groups: ['north', 'south'],
        choices: ['Chen', 'Lin', 'Wang'],
        endsAtMs: Date.UTC(2030, 4, 2, 10, 30, 0),
      },
    });
    expect(linesOf(' a \r b\n\n c ')).toEqual(['a', 'b', 'c']);
  });

  it('asks for what is missing, one problem per field', () => {
    const problems = problemsOf({ name: '   ', groupsText: '\n \n', choicesText: '', endTime: '' });
    expect(problems.map(({ field, key }) => [field, key])).toEqual([
      ['name', 'elections.problem.name.missing'],
      ['groups', 'elections.problem.groups.missing'],
      ['choices', 'elections.problem.choices.missing'],
      ['endsAt', 'elections.problem.endsAt.missing'],
    ]);
  });

  it('flags duplicates after trimming, naming the entry', () => {
    expect(problemsOf({ groupsText: 'north\n north \nsouth' })).toEqual([
      { field: 'groups', key: 'elections.problem.groups.duplicate', params: { item: 'north' }, code: null },
    ]);
    expect(problemsOf({ choicesText: 'Chen\nLin\nChen' })).toEqual([
      { field: 'choices', key: 'elections.problem.choices.duplicate', params: { item: 'Chen' }, code: null },
    ]);
  });

  it('applies the protocol’s limits: counts, and lengths in UTF-8 bytes', () => {
    const many = (count: number) => Array.from({ length: count }, (_, index) => `g${index}`).join('\n');
    expect(problemsOf({ groupsText: many(limits.groupsPerElectionMax) })).toEqual([]);
    expect(problemsOf({ groupsText: many(limits.groupsPerElectionMax + 1) })).toEqual([
      {
        field: 'groups',
        key: 'elections.problem.groups.tooMany',
        params: { count: 65, max: 64 },
        code: null,
      },
    ]);
    expect(problemsOf({ choicesText: many(limits.choicesPerElectionMax + 1) })[0]?.key).toBe(
      'elections.problem.choices.tooMany',
    );
    // A Chinese character takes 3 bytes: 42 fit in 128 bytes, 43 do not.
    expect(problemsOf({ groupsText: '北'.repeat(42) })).toEqual([]);
    expect(problemsOf({ groupsText: `south\n${'北'.repeat(43)}` })).toEqual([
      {
        field: 'groups',
        key: 'elections.problem.groups.tooLong',
        params: { item: '北'.repeat(43), max: 128 },
        code: null,
      },
    ]);
    expect(problemsOf({ name: 'x'.repeat(257) })[0]).toMatchObject({
      field: 'name',
      key: 'elections.problem.name.tooLong',
    });
    expect(problemsOf({ choicesText: 'y'.repeat(257) })[0]).toMatchObject({
      field: 'choices',
      key: 'elections.problem.choices.tooLong',
    });
  });

  it('wants an end after the station’s time and at most ten years away', () => {
    expect(problemsOf({ endDate: '2030-05-01', endTime: '16:00' })[0]?.key).toBe(
      'elections.problem.endsAt.notInFuture',
    );
    expect(problemsOf({ endDate: '2030-05-01', endTime: '16:00:01' })).toEqual([]);
    expect(problemsOf({ endDate: '2041-01-01', endTime: '00:00' })[0]?.key).toBe(
      'elections.problem.endsAt.tooFar',
    );
    expect(problemsOf({ endDate: '2030-02-30' })[0]?.key).toBe('elections.problem.endsAt.invalid');
  });
});

const request: ElectionRequest = {
  name: 'Mayor',
  groups: ['north'],
  choices: ['Chen', 'Lin'],
  endsAtMs: nowMs + 1,
};

const expectedFields: Readonly<Record<Exclude<CreateElectionReason, 'ok'>, ElectionField>> = {
  'invalid-token': 'form',
  'missing-groups': 'groups',
  'missing-choices': 'choices',
  'election-exists': 'name',
  'end-date-not-in-future': 'endsAt',
  'end-date-too-far': 'endsAt',
  'invalid-end-date': 'endsAt',
  'invalid-name': 'name',
  'invalid-group': 'groups',
  'invalid-choice': 'choices',
  'duplicate-group': 'groups',
  'duplicate-choice': 'choices',
  'too-many-groups': 'groups',
  'too-many-choices': 'choices',
  'too-many-elections': 'form',
};

describe('the station’s answers', () => {
  const i18n = createStationI18n('en');
  const hasMessage = (key: string) => locales.every((locale) => i18n.global.te(key, locale));

  it('puts every refusal next to its field, with a message in both languages and the code for support', () => {
    const reasons = Object.keys(createElectionCodes).filter(
      (reason): reason is Exclude<CreateElectionReason, 'ok'> => reason !== 'ok',
    );
    expect(reasons.sort()).toEqual(Object.keys(expectedFields).sort());
    for (const reason of reasons) {
      const found = problemForAnswer(outcome(createElectionCodes, reason), request, standaloneStatus);
      expect(found?.field, reason).toBe(expectedFields[reason]);
      expect(found?.code, reason).toBe(`${createElectionCodes[reason]} ${reason}`);
      expect(hasMessage(found?.key ?? ''), `message for ${reason}`).toBe(true);
    }
  });

  it('says why the station took no write, and when it did not answer', () => {
    const unavailable: UnavailableReason[] = [
      'storage-full',
      'storage-failed',
      'stopping',
      'not-primary',
      'backup-unavailable',
    ];
    for (const reason of unavailable) {
      const found = problemForAnswer(
        { unavailable: reason, message: 'the primary is 10.0.0.2' },
        request,
        standaloneStatus,
      );
      expect(found).toEqual({
        field: 'form',
        key: `unavailable.${reason}`,
        params: {},
        code: `${reason}: the primary is 10.0.0.2`,
      });
      expect(hasMessage(found?.key ?? ''), reason).toBe(true);
    }
    expect(problemForAnswer('unreachable', request, standaloneStatus)).toMatchObject({
      field: 'form',
      key: 'elections.problem.station.unreachable',
    });
    expect(problemForAnswer('signed-out', request, standaloneStatus)).toBeNull();
    expect(problemForAnswer(outcome(createElectionCodes, 'ok'), request, standaloneStatus)).toBeNull();
  });

  it('names the primary when a backup refuses', () => {
    const backup: StationStatus = {
      ...standaloneStatus,
      role: 'backup',
      writable: false,
      peer: { ...standaloneStatus.peer, connected: true, address: '10.0.0.2:50052' },
    };
    const found = problemForAnswer({ unavailable: 'not-primary', message: 'm' }, request, backup);
    expect(found).toMatchObject({ key: 'unavailable.notPrimaryAt', params: { address: '10.0.0.2:50052' } });
    expect(hasMessage(found?.key ?? ''), 'notPrimaryAt').toBe(true);
  });

  it('has a message in both languages for every check made before sending', () => {
    for (const key of [
      'name.missing',
      'name.tooLong',
      'groups.missing',
      'groups.tooMany',
      'groups.tooLong',
      'groups.duplicate',
      'choices.missing',
      'choices.tooMany',
      'choices.tooLong',
      'choices.duplicate',
      'endsAt.missing',
      'endsAt.invalid',
      'endsAt.nonexistent',
      'endsAt.notInFuture',
      'endsAt.tooFar',
    ]) {
      expect(hasMessage(`elections.problem.${key}`), key).toBe(true);
    }
  });
});
