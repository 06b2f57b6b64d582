/**
 * Which of two connected stations leads: both sides must reach the same
 * answer from the two hellos, and the leader must hold everything that was
 * acknowledged.
 */
import { describe, expect, it } from 'vitest';
import { leads, type Candidate } from '../../core/replication/leader-choice.ts';

const station = (stationId: string, overrides: Partial<Candidate> = {}): Candidate => ({
  stationId,
  role: 'backup',
  preferredRole: 'backup',
  epoch: 1,
  lastSeq: 10,
  fullCopyPending: false,
  ...overrides,
});

/** Asserts that `winner` leads `loser` as both of them see it. */
function expectLeader(winner: Candidate, loser: Candidate): void {
  expect(leads(winner, loser)).toBe(true);
  expect(leads(loser, winner)).toBe(false);
}

describe('leader choice', () => {
  it('keeps a serving primary serving', () => {
    expectLeader(station('b', { role: 'primary' }), station('a', { epoch: 3, lastSeq: 50 }));
  });

  it('after a split, lets the newer epoch win, then the longer log', () => {
    expectLeader(
      station('b', { role: 'primary', epoch: 4 }),
      station('a', { role: 'primary', epoch: 3, lastSeq: 99 }),
    );
    expectLeader(station('b', { role: 'primary', lastSeq: 11 }), station('a', { role: 'primary' }));
  });

  it('among stations that do not serve, prefers the more up-to-date history, then the officials’ primary', () => {
    expectLeader(station('b', { epoch: 2 }), station('a', { lastSeq: 99, preferredRole: 'primary' }));
    expectLeader(station('b', { lastSeq: 11 }), station('a', { preferredRole: 'primary' }));
    expectLeader(station('b', { preferredRole: 'primary' }), station('a'));
    expectLeader(station('a'), station('b'));
  });

  it('never lets a station holding part of a full copy lead one that holds all its records', () => {
    // The copying station may carry a newer epoch (one it began just before its copy started) and
    // even report a longer log: it still lacks what it reset away.
    const copying = station('a', { epoch: 5, lastSeq: 40, preferredRole: 'primary', fullCopyPending: true });
    expectLeader(station('b', { epoch: 4 }), copying);
    expectLeader(station('b', { epoch: 4 }), { ...copying, role: 'primary' });
  });
});
