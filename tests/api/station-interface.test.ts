/**
 * The station interface over a real station on a temporary directory, with
 * a clock and timers the test moves: setting up and signing in officials,
 * sessions required (and a voter token is not one), the register paged and
 * searched at 20,000 voters, elections and results, the voter's ballot, and
 * the events it pushes (status changes only when something shows, coalesced
 * register and election changes, elections closing, audit entries).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { interfaceLimits, isSessionRefused, type VoterPage } from '../../core/api/interface-api.ts';
import { changeEventIntervalMs } from '../../core/api/station-interface.ts';
import { isUnavailable } from '../../core/station/station-api.ts';
import type { Station } from '../../core/station/station.ts';
import { manualTime, type ManualTime } from '../support/manual-time.ts';
import {
  newVoter,
  openStation,
  registerVoter,
  removeDirectory,
  temporaryDirectory,
} from '../support/station-fixtures.ts';
import {
  aloneStatus,
  eventsOf,
  interfaceFor,
  officialSession,
  voterToken,
  type InterfaceUnderTest,
} from './interface-fixtures.ts';

const hourMs = 60 * 60 * 1000;

describe('station interface', () => {
  let dir: string;
  let station: Station;
  let time: ManualTime;
  let under: InterfaceUnderTest;
  const olga = newVoter('olga');

  beforeEach(async () => {
    dir = await temporaryDirectory('evote-interface-');
    time = manualTime();
    station = await openStation(dir, time.clock);
    under = interfaceFor(station, time.clock, time.timers);
  });

  afterEach(async () => {
    under.api.close();
    await station.close();
    await removeDirectory(dir);
  });

  /** Sets the station up with `olga` as first official and returns her session. */
  async function setUp(): Promise<Uint8Array> {
    expect(
      await under.api.createFirstOfficial({ name: olga.name, publicKey: olga.keyPair.publicKey }),
    ).toEqual({
      code: 0,
      reason: 'ok',
    });
    return officialSession(under.api, olga);
  }

  function page(answer: VoterPage | { readonly refused: 'not-signed-in' }): VoterPage {
    if ('refused' in answer) throw new Error('not signed in');
    return answer;
  }

  describe('officials', () => {
    it('shows the setup screen until the first official exists, and lets only one in that way', async () => {
      expect(await under.api.overview()).toEqual({
        status: aloneStatus,
        nowMs: time.clock.nowMs(),
        needsFirstOfficial: true,
      });
      const session = await setUp();
      expect((await under.api.overview()).needsFirstOfficial).toBe(false);
      const mallory = newVoter('mallory');
      expect(
        await under.api.createFirstOfficial({ name: 'mallory', publicKey: mallory.keyPair.publicKey }),
      ).toEqual({
        code: 4,
        reason: 'already-set-up',
      });
      const otto = newVoter('otto');
      expect(
        await under.api.registerOfficial({ session, name: 'otto', publicKey: otto.keyPair.publicKey }),
      ).toEqual({
        code: 0,
        reason: 'ok',
      });
      expect(
        await under.api.registerOfficial({ session, name: 'otto', publicKey: otto.keyPair.publicKey }),
      ).toEqual({
        code: 1,
        reason: 'official-exists',
      });
      expect(
        await under.api.registerOfficial({ session, name: '', publicKey: otto.keyPair.publicKey }),
      ).toEqual({
        code: 2,
        reason: 'invalid-name',
      });
      expect((await officialSession(under.api, otto)).length).toBeGreaterThan(32);
    });

    it('refuses a failed sign-in and logs it for the audit', async () => {
      await setUp();
      const { challenge } = await under.api.officialChallenge({ name: 'olga' });
      expect(challenge.length).toBe(32);
      expect(await under.api.officialSignIn({ name: 'olga', signature: new Uint8Array(64) })).toEqual({
        refused: 'authentication-failed',
      });
      expect(under.auditLog.entriesAfter(0).map((entry) => entry.event)).toEqual([
        'official-registered',
        'official-signed-in',
        'official-sign-in-failed',
      ]);
    });

    it('answers not-signed-in to every official call without a session, with a voter token or after an hour', async () => {
      const session = await setUp();
      const ann = newVoter('ann');
      await registerVoter(station, ann, 'hall');
      const token = await voterToken(under.api, ann);
      const key = newVoter('x').keyPair.publicKey;
      for (const bad of [token, new Uint8Array(0), session.subarray(1)]) {
        const answers = [
          await under.api.registerOfficial({ session: bad, name: 'otto', publicKey: key }),
          await under.api.registerVoter({ session: bad, name: 'bob', group: 'hall', publicKey: key }),
          await under.api.unregisterVoter({ session: bad, name: 'ann' }),
          await under.api.listVoters({ session: bad, search: '', offset: 0, limit: 10 }),
          await under.api.listElections({ session: bad }),
          await under.api.createElection({
            session: bad,
            name: 'Council',
            groups: ['hall'],
            choices: ['yes'],
            endsAtMs: time.clock.nowMs() + hourMs,
          }),
          await under.api.auditLog({ session: bad, afterId: 0 }),
          await under.api.conflictReport({ session: bad }),
        ];
        for (const answer of answers) expect(answer).toEqual({ refused: 'not-signed-in' });
      }
      expect(station.engineState.voters.has('bob')).toBe(false);
      expect(station.engineState.elections.size).toBe(0);
      time.advance(hourMs);
      expect(await under.api.listElections({ session })).toEqual({ refused: 'not-signed-in' });
    });
  });

  describe('the register', () => {
    const count = 20_000;
    const groups = ['North', 'South', 'East'];
    // Names registered out of order, so that the listing has to sort them.
    const nameOf = (index: number) => `voter-${String((index * 7_919) % count).padStart(5, '0')}`;
    const groupOf = (index: number) => groups[index % groups.length] ?? 'North';
    const groupByName = new Map(Array.from({ length: count }, (_, index) => [nameOf(index), groupOf(index)]));

    async function registerMany(session: Uint8Array): Promise<void> {
      const key = newVoter('shared').keyPair.publicKey;
      for (let start = 0; start < count; start += 1_000) {
        const answers = await Promise.all(
          Array.from({ length: Math.min(1_000, count - start) }, (_, offset) =>
            under.api.registerVoter({
              session,
              name: nameOf(start + offset),
              group: groupOf(start + offset),
              publicKey: key,
            }),
          ),
        );
        for (const answer of answers) expect(answer).toEqual({ code: 0, reason: 'ok' });
      }
    }

    it(`pages and searches ${count} voters sorted by name, and follows changes`, async () => {
      const session = await setUp();
      await registerMany(session);
      const sorted = Array.from({ length: count }, (_, index) => nameOf(index)).sort();
      const list = async (search: string, offset: number, limit: number) =>
        page(await under.api.listVoters({ session, search, offset, limit }));

      const first = await list('', 0, 50);
      expect(first.total).toBe(count);
      expect(first.voters.map((voter) => voter.name)).toEqual(sorted.slice(0, 50));
      expect(first.voters[0]).toEqual({ name: 'voter-00000', group: 'North' });
      expect((await list('', 12_345, 100)).voters.map((voter) => voter.name)).toEqual(
        sorted.slice(12_345, 12_445),
      );
      expect((await list('', count - 10, 100)).voters).toHaveLength(10);
      expect((await list('', count, 100)).voters).toHaveLength(0);
      expect((await list('', 0, 100_000)).voters).toHaveLength(interfaceLimits.votersPageMax);

      // Case-insensitive, in the name or the group.
      const north = await list('NORTH', 0, 500);
      expect(north.total).toBe(Math.ceil(count / 3));
      expect(north.voters.every((voter) => voter.group === 'North')).toBe(true);
      expect(north.voters.map((voter) => voter.name)).toEqual(
        [...north.voters.map((voter) => voter.name)].sort(),
      );
      const named = await list('VOTER-0123', 0, 500);
      expect(named.voters.map((voter) => voter.name)).toEqual(
        sorted.filter((name) => name.startsWith('voter-0123')),
      );
      expect(named.total).toBe(10);
      const nextPage = await list('north', 500, 500);
      expect(nextPage.voters[0]?.name).not.toBe(north.voters[0]?.name);
      expect(await list('nobody', 0, 10)).toEqual({ total: 0, voters: [] });
      // The search is plain text, never a pattern.
      expect((await list('.', 0, 10)).total).toBe(0);
      expect((await list('voter-0000(', 0, 10)).total).toBe(0);

      // Changes show at once, in their place.
      expect(await under.api.unregisterVoter({ session, name: 'voter-00000' })).toEqual({
        code: 0,
        reason: 'ok',
      });
      expect(
        await under.api.registerVoter({
          session,
          name: 'aaron',
          group: 'West',
          publicKey: newVoter('aaron').keyPair.publicKey,
        }),
      ).toEqual({ code: 0, reason: 'ok' });
      const changed = await list('', 0, 2);
      expect(changed.total).toBe(count);
      expect(changed.voters).toEqual([
        { name: 'aaron', group: 'West' },
        { name: 'voter-00001', group: groupByName.get('voter-00001') },
      ]);
      expect((await list('WEST', 0, 10)).voters).toEqual([{ name: 'aaron', group: 'West' }]);
      expect((await list('voter-0000', 0, 20)).total).toBe(9);
    });

    it('builds the index after a restart from the recovered register', async () => {
      const session = await setUp();
      for (const name of ['cyd', 'ann', 'bob']) {
        expect(
          await under.api.registerVoter({
            session,
            name,
            group: 'hall',
            publicKey: newVoter(name).keyPair.publicKey,
          }),
        ).toEqual({ code: 0, reason: 'ok' });
      }
      under.api.close();
      await station.close();
      station = await openStation(dir, time.clock);
      under = interfaceFor(station, time.clock, time.timers);
      const listed = page(await under.api.listVoters({ session, search: '', offset: 0, limit: 10 }));
      expect(listed.voters.map((voter) => voter.name)).toEqual(['ann', 'bob', 'cyd']);
    });
  });

  describe('elections and the ballot', () => {
    async function electorate(session: Uint8Array) {
      const ann = newVoter('ann');
      const bob = newVoter('bob');
      await registerVoter(station, ann, 'north');
      await registerVoter(station, bob, 'south');
      const nowMs = time.clock.nowMs();
      const create = async (name: string, groups: string[], endsAtMs: number) => {
        expect(
          await under.api.createElection({ session, name, groups, choices: ['yes', 'no'], endsAtMs }),
        ).toEqual({
          code: 0,
          reason: 'ok',
        });
      };
      await create('North only', ['north'], nowMs + hourMs);
      await create('Everyone', ['north', 'south'], nowMs + 2 * hourMs);
      await create('Short', ['north'], nowMs + 1_000);
      return { ann, bob };
    }

    function ballotNames(
      answer: Awaited<ReturnType<InterfaceUnderTest['api']['ballot']>>,
    ): [string, boolean][] {
      if ('refused' in answer) throw new Error('ballot refused');
      return answer.elections.map((election) => [election.name, election.alreadyVoted]);
    }

    it('offers a voter the open elections of their group, marking those they voted in', async () => {
      const session = await setUp();
      const { ann, bob } = await electorate(session);
      const annToken = await voterToken(under.api, ann);
      const bobToken = await voterToken(under.api, bob);
      expect(ballotNames(await under.api.ballot({ token: annToken }))).toEqual([
        ['North only', false],
        ['Everyone', false],
        ['Short', false],
      ]);
      expect(await under.api.castVote({ token: annToken, election: 'Everyone', choice: 'no' })).toEqual({
        code: 0,
        reason: 'ok',
      });
      expect(await under.api.castVote({ token: bobToken, election: 'North only', choice: 'no' })).toEqual({
        code: 3,
        reason: 'group-not-allowed',
      });
      time.advance(1_000);
      const ballot = await under.api.ballot({ token: annToken });
      expect(ballot).toMatchObject({ voter: 'ann', group: 'north' });
      expect(ballotNames(ballot)).toEqual([
        ['North only', false],
        ['Everyone', true],
      ]);
      expect(ballotNames(await under.api.ballot({ token: bobToken }))).toEqual([['Everyone', false]]);
      // An official's session is no voter token; nor is a token of a voter since unregistered.
      expect(await under.api.ballot({ token: session })).toEqual({ refused: 'invalid-token' });
      await station.unregisterVoter({ name: 'bob' });
      expect(await under.api.ballot({ token: bobToken })).toEqual({ refused: 'invalid-token' });
    });

    it('lists elections with open state and vote counts, and gives results only after the end', async () => {
      const session = await setUp();
      const { ann } = await electorate(session);
      const annToken = await voterToken(under.api, ann);
      await under.api.castVote({ token: annToken, election: 'Short', choice: 'yes' });
      expect(await under.api.getResult({ election: 'Short' })).toEqual({
        outcome: { code: 2, reason: 'election-ongoing' },
        counts: [],
      });
      time.advance(1_000);
      const elections = await under.api.listElections({ session });
      if (isSessionRefused(elections)) throw new Error('not signed in');
      expect(elections.map((election) => [election.name, election.open, election.votes])).toEqual([
        ['North only', true, 0],
        ['Everyone', true, 0],
        ['Short', false, 1],
      ]);
      expect(elections[1]).toMatchObject({ groups: ['north', 'south'], choices: ['yes', 'no'] });
      expect(await under.api.getResult({ election: 'Short' })).toEqual({
        outcome: { code: 0, reason: 'ok' },
        counts: [
          { choice: 'yes', count: 1 },
          { choice: 'no', count: 0 },
        ],
      });
      expect((await under.api.getResult({ election: 'Nope' })).outcome.code).toBe(1);
    });

    it('passes on refusals with their precise reason', async () => {
      const session = await setUp();
      const answer = await under.api.createElection({
        session,
        name: 'Past',
        groups: ['hall'],
        choices: ['yes'],
        endsAtMs: time.clock.nowMs(),
      });
      expect(answer).toEqual({ code: 3, reason: 'end-date-not-in-future' });
    });
  });

  describe('events', () => {
    it('reports a status change once, and not for the backlog count alone', () => {
      under.api.statusChanged();
      expect(eventsOf(under, 'status')).toHaveLength(0);
      const protectedStatus = {
        ...aloneStatus,
        unprotected: false,
        peer: { ...aloneStatus.peer, connected: true, inSync: true },
      };
      under.setStatus(protectedStatus);
      under.api.statusChanged();
      under.api.statusChanged();
      under.setStatus({ ...protectedStatus, peer: { ...protectedStatus.peer, lagRecords: 12 } });
      under.api.statusChanged();
      expect(eventsOf(under, 'status')).toEqual([{ type: 'status', status: protectedStatus }]);
      under.setStatus({ ...protectedStatus, role: 'backup', writable: false, epoch: 2 });
      under.api.statusChanged();
      expect(eventsOf(under, 'status').map((event) => event.status.role)).toEqual(['primary', 'backup']);
    });

    it('coalesces a burst of registrations into one voters-changed at once and one after the burst', async () => {
      const session = await setUp();
      const key = newVoter('k').keyPair.publicKey;
      const register = (name: string) =>
        under.api.registerVoter({ session, name, group: 'hall', publicKey: key });
      await Promise.all(Array.from({ length: 100 }, (_, index) => register(`burst-${index}`)));
      expect(eventsOf(under, 'voters-changed')).toHaveLength(1);
      await register('late');
      expect(eventsOf(under, 'voters-changed')).toHaveLength(1);
      time.advance(changeEventIntervalMs);
      expect(eventsOf(under, 'voters-changed')).toHaveLength(2);
      time.advance(10 * changeEventIntervalMs);
      expect(eventsOf(under, 'voters-changed')).toHaveLength(2);
      // Quiet long enough: the next change is announced at once again.
      await register('later');
      expect(eventsOf(under, 'voters-changed')).toHaveLength(3);
      // Nothing about elections happened.
      expect(eventsOf(under, 'elections-changed')).toHaveLength(0);
    });

    it('announces new elections and votes as elections-changed, and each closing election once', async () => {
      const session = await setUp();
      const ann = newVoter('ann');
      await registerVoter(station, ann, 'hall');
      const token = await voterToken(under.api, ann);
      const nowMs = time.clock.nowMs();
      const create = (name: string, endsAtMs: number) =>
        under.api.createElection({ session, name, groups: ['hall'], choices: ['yes'], endsAtMs });
      await create('Later', nowMs + 5_000);
      expect(eventsOf(under, 'elections-changed')).toHaveLength(1);
      await create('Sooner', nowMs + 2_000);
      await create('Same time', nowMs + 2_000);
      // Past the longest timer (about 24.8 days): it must not fire early.
      await create('Years away', nowMs + 3 * 366 * 24 * hourMs);
      time.advance(changeEventIntervalMs);
      expect(eventsOf(under, 'elections-changed')).toHaveLength(2);
      await under.api.castVote({ token, election: 'Sooner', choice: 'yes' });
      time.advance(changeEventIntervalMs);
      expect(eventsOf(under, 'elections-changed')).toHaveLength(3);

      time.advance(2_000 - 2 * changeEventIntervalMs - 1);
      expect(eventsOf(under, 'election-closed')).toHaveLength(0);
      time.advance(1);
      expect(eventsOf(under, 'election-closed').map((event) => event.election)).toEqual([
        'Sooner',
        'Same time',
      ]);
      time.advance(3_000);
      time.advance(30 * 24 * hourMs);
      expect(eventsOf(under, 'election-closed').map((event) => event.election)).toEqual([
        'Sooner',
        'Same time',
        'Later',
      ]);
      time.advance(3 * 366 * 24 * hourMs);
      expect(eventsOf(under, 'election-closed').map((event) => event.election)).toEqual([
        'Sooner',
        'Same time',
        'Later',
        'Years away',
      ]);
      expect(time.pending()).toBe(0);
    });

    it('pushes every audit entry, and stops pushing anything once closed', async () => {
      await setUp();
      expect(eventsOf(under, 'audit').map((event) => event.entry.event)).toEqual([
        'official-registered',
        'official-signed-in',
      ]);
      const session = await officialSession(under.api, olga);
      const entries = await under.api.auditLog({ session, afterId: 1 });
      if (isSessionRefused(entries)) throw new Error('not signed in');
      expect(entries.map((entry) => [entry.id, entry.event])).toEqual([
        [2, 'official-signed-in'],
        [3, 'official-signed-in'],
      ]);
      expect(entries[0]?.message).toBe('official olga signed in');
      under.api.close();
      const before = under.events.length;
      await registerVoter(station, newVoter('ann'), 'hall');
      under.api.statusChanged();
      expect(under.events).toHaveLength(before);
      expect(time.pending()).toBe(0);
    });
  });

  describe('the conflict report', () => {
    it('gives a signed-in official the report, empty while no split was merged', async () => {
      const session = await setUp();
      expect(await under.api.conflictReport({ session })).toEqual({ merges: [], conflicts: [] });
      expect(eventsOf(under, 'conflicts-changed')).toHaveLength(0);
    });

    it('announces a merge after a split once, with the register and elections, and gives its report', async () => {
      const session = await setUp();
      const ann = newVoter('ann');
      await registerVoter(station, ann, 'hall');
      const created = await under.api.createElection({
        session,
        name: 'Council',
        groups: ['hall'],
        choices: ['yes', 'no'],
        endsAtMs: time.clock.nowMs() + hourMs,
      });
      expect(created).toEqual({ code: 0, reason: 'ok' });
      // The split: both stations held everything up to here; then ann voted on each side.
      const commonSeq = station.engineState.lastSeq;
      const registration = station.engineState.voters.get('ann')?.registration ?? 0;
      const votedThereAtMs = time.clock.nowMs();
      await under.api.castVote({
        token: await voterToken(under.api, ann),
        election: 'Council',
        choice: 'yes',
      });
      time.advance(10 * changeEventIntervalMs);
      const before = {
        voters: eventsOf(under, 'voters-changed').length,
        elections: eventsOf(under, 'elections-changed').length,
      };

      const merged = await station.mergeDiverged('station-b', commonSeq, [
        {
          seq: commonSeq + 1,
          command: {
            kind: 'cast-vote',
            atMs: votedThereAtMs,
            actor: { kind: 'voter', name: 'ann', registration },
            election: 'Council',
            choice: 'no',
          },
          memberKey: null,
          electionFromSplit: false,
        },
      ]);
      expect(merged).toEqual({ code: 0, reason: 'ok' });
      expect(eventsOf(under, 'conflicts-changed')).toHaveLength(1);
      expect(eventsOf(under, 'voters-changed')).toHaveLength(before.voters + 1);
      expect(eventsOf(under, 'elections-changed')).toHaveLength(before.elections + 1);
      const report = await under.api.conflictReport({ session });
      expect(report).toEqual({
        merges: [{ mergedAtMs: time.clock.nowMs(), sourceStationId: 'station-b', commands: 1, applied: 0 }],
        conflicts: [
          {
            kind: 'double-vote',
            mergedAtMs: time.clock.nowMs(),
            sourceStationId: 'station-b',
            acceptedAtMs: votedThereAtMs,
            command: 'cast-vote',
            member: 'ann',
            election: 'Council',
            resolution: 'not-counted',
            renamedTo: null,
            reason: null,
          },
        ],
      });
      // Whom ann voted for, on either side, is nowhere in it.
      expect(JSON.stringify(report)).not.toMatch(/"(yes|no)"/);

      // Ordinary commands after it change nothing in the report.
      await registerVoter(station, newVoter('bob'), 'hall');
      expect(eventsOf(under, 'conflicts-changed')).toHaveLength(1);
    });

    it('announces a replaced state (a backup taking a full copy) as a change of the report', async () => {
      await setUp();
      await station.resetForFullCopy();
      expect(eventsOf(under, 'conflicts-changed')).toEqual([{ type: 'conflicts-changed' }]);
    });
  });

  it('answers Unavailable for writes the station cannot take, as the protocol does', async () => {
    const session = await setUp();
    await station.close();
    const answer = await under.api.registerVoter({
      session,
      name: 'ann',
      group: 'hall',
      publicKey: newVoter('ann').keyPair.publicKey,
    });
    expect(isUnavailable(answer)).toBe(true);
    // afterEach closes it again: that is harmless.
  });
});
