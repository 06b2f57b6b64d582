/**
 * A full disk refuses the write with a clear error, changes no state, and the
 * station keeps serving reads. The disk is a tiny tmpfs the test mounts (as
 * root) and removes.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isUnavailable, type Unavailable } from '../../core/station/station-api.ts';
import { canonicalState, hourMs } from '../support/engine-fixtures.ts';
import {
  manualClock,
  newVoter,
  openStation,
  registerVoter,
  removeDirectory,
  signIn,
  temporaryDirectory,
} from '../support/station-fixtures.ts';

function tryMount(dir: string): string | null {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=512k', 'tmpfs', dir], { stdio: 'pipe' });
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

const root = await temporaryDirectory('evote-full-disk-');
const mountError = tryMount(root);

describe.skipIf(mountError !== null)(
  `full disk (tmpfs)${mountError === null ? '' : `: cannot mount tmpfs: ${mountError}`}`,
  () => {
    const dataDir = path.join(root, 'station');

    beforeAll(async () => {
      await mkdir(dataDir);
    });

    afterAll(async () => {
      execFileSync('umount', [root]);
      await removeDirectory(root);
    });

    it('refuses writes with a clear error, changes nothing, keeps serving reads, and recovers when space is freed', async () => {
      const clock = manualClock();
      const station = await openStation(dataDir, clock, { snapshotAfterBytes: Number.MAX_SAFE_INTEGER });
      try {
        const ann = newVoter('ann');
        await registerVoter(station, ann, 'north');
        const token = await signIn(station, ann);
        expect(
          await station.createElection({
            token,
            name: 'Council',
            groups: ['north'],
            choices: ['yes', 'no'],
            endsAtMs: clock.nowMs() + hourMs,
          }),
        ).toMatchObject({ code: 0 });
        expect(await station.castVote({ token, election: 'Council', choice: 'yes' })).toMatchObject({
          code: 0,
        });

        // Fill the disk, leaving a little room, then register voters until the log cannot grow.
        const filler = path.join(root, 'filler');
        await writeFile(filler, Buffer.alloc(400 * 1024));
        let refusal: unknown = null;
        for (let index = 0; index < 10_000 && refusal === null; index += 1) {
          const before = canonicalState(station.engineState);
          const answer = await station.registerVoter({
            name: `filler-voter-${index}`,
            group: 'north',
            publicKey: newVoter('x').keyPair.publicKey,
          });
          if (isUnavailable(answer)) {
            refusal = answer;
            expect(canonicalState(station.engineState)).toEqual(before);
          }
        }
        expect(refusal).toMatchObject({ unavailable: 'storage-full' });
        expect((refusal as Unavailable | null)?.message).toMatch(/disk is full/);

        // Reads and sign-ins still work on a full disk.
        expect((await station.preAuth({ name: 'ann' })).challenge.length).toBe(32);
        const secondToken = await signIn(station, ann);
        expect(await station.getResult({ election: 'Council' })).toMatchObject({ outcome: { code: 2 } });
        expect(
          await station.castVote({ token: secondToken, election: 'Council', choice: 'no' }),
        ).toMatchObject({
          code: 4,
        });

        // Once space is freed, writes are accepted again.
        await rm(filler);
        expect(
          await station.registerVoter({
            name: 'bob',
            group: 'north',
            publicKey: newVoter('bob').keyPair.publicKey,
          }),
        ).toEqual({ code: 0, reason: 'ok' });
      } finally {
        await station.close();
      }

      // Everything acknowledged is there after a restart.
      const reopened = await openStation(dataDir, clock);
      try {
        expect(reopened.engineState.voters.has('bob')).toBe(true);
        expect(reopened.engineState.elections.get('Council')?.tallies).toEqual([1, 0]);
      } finally {
        await reopened.close();
      }
    });
  },
);
