/**
 * Real-process tests of damaged data directories:
 *
 * - a torn tail (a partial record after the last complete one, as a crash in
 *   the middle of a write leaves) is cut off with a warning
 *   (`store-torn-tail-truncated`) and every acknowledged write is still there;
 * - a damaged record before the tail stops start-up: non-zero exit, an error
 *   naming the file and the byte offset, and the file left exactly as it was;
 * - a second station on a directory in use exits non-zero naming the holder.
 *
 * The log format assumed here (to find records) is the store's frame:
 * u32 LE payload length | u32 LE CRC-32 | u64 LE seq | payload.
 */
import { randomBytes } from 'node:crypto';
import { appendFile, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import nacl from 'tweetnacl';
import { afterEach, describe, expect, it } from 'vitest';
import { removeDirectory, temporaryDirectory } from '../support/station-fixtures.ts';
import {
  evoteCommand,
  freeLoopbackAddress,
  killRunningStations,
  runToEnd,
  startStation,
  type CommandOutcome,
  type StationProcess,
} from '../support/station-process.ts';
import { VotingClient } from '../support/voting-client.ts';

const frameHeaderBytes = 16;
const group = 'hall';
const choices = ['choice-oak', 'choice-elm'];

interface Frame {
  readonly offsetBytes: number;
  readonly sizeBytes: number;
  readonly seq: bigint;
}

/** The complete frames of a log file, in order. */
function framesOf(content: Buffer): Frame[] {
  const frames: Frame[] = [];
  let offsetBytes = 0;
  while (offsetBytes + frameHeaderBytes <= content.length) {
    const sizeBytes = frameHeaderBytes + content.readUInt32LE(offsetBytes);
    if (offsetBytes + sizeBytes > content.length) break;
    frames.push({ offsetBytes, sizeBytes, seq: content.readBigUInt64LE(offsetBytes + 8) });
    offsetBytes += sizeBytes;
  }
  return frames;
}

/** The station's log files, oldest first. */
async function logFiles(dir: string): Promise<string[]> {
  const names = await readdir(dir);
  return names
    .flatMap((name) => {
      const match = /^log-(\d+)\.evlog$/.exec(name);
      return match === null ? [] : [{ name, firstSeq: Number(match[1]) }];
    })
    .sort((a, b) => a.firstSeq - b.firstSeq)
    .map(({ name }) => path.join(dir, name));
}

async function newestLogFile(dir: string): Promise<string> {
  const file = (await logFiles(dir)).at(-1);
  if (file === undefined) throw new Error(`no log file in ${dir}: ${(await readdir(dir)).join(', ')}`);
  return file;
}

type RunResult = CommandOutcome;

/** Runs `evote station` on `dir` to its end, for stations expected to refuse to start. */
async function runStationToExit(dir: string, timeoutMs = 30_000): Promise<RunResult> {
  const args = ['station', '--data', dir, '--grpc', await freeLoopbackAddress()];
  return runToEnd(evoteCommand(), args, timeoutMs);
}

interface LogEvent {
  readonly level?: unknown;
  readonly event?: unknown;
  readonly [field: string]: unknown;
}

function logEvents(stderr: string): LogEvent[] {
  return stderr.split('\n').flatMap((line) => {
    if (!line.startsWith('{')) return [];
    try {
      return [JSON.parse(line) as LogEvent];
    } catch {
      return [];
    }
  });
}

interface Voter {
  readonly name: string;
  readonly keyPair: nacl.SignKeyPair;
}

/** What the station acknowledged, to be found again after the damage. */
interface Acknowledged {
  readonly voters: Voter[];
  readonly tokens: Map<string, Uint8Array>;
  readonly votes: Map<string, string>;
  readonly election: string;
}

/** Registers voters, creates an election and casts votes; every write is acknowledged before it returns. */
async function writeSome(client: VotingClient, voterCount: number): Promise<Acknowledged> {
  const acknowledged: Acknowledged = { voters: [], tokens: new Map(), votes: new Map(), election: 'Council' };
  for (let index = 0; index < voterCount; index++) {
    const voter = { name: `voter-${index}`, keyPair: nacl.sign.keyPair() };
    expect(await client.registerVoter({ name: voter.name, group, publicKey: voter.keyPair.publicKey })).toBe(
      0,
    );
    acknowledged.voters.push(voter);
    acknowledged.tokens.set(voter.name, await client.signIn(voter.name, voter.keyPair.secretKey));
  }
  const firstToken = acknowledged.tokens.get('voter-0') ?? new Uint8Array();
  expect(
    await client.createElection({
      token: firstToken,
      name: acknowledged.election,
      groups: [group],
      choices,
      endsAtMs: Date.now() + 60 * 60 * 1000,
    }),
  ).toBe(0);
  for (const [index, voter] of acknowledged.voters.entries()) {
    if (index % 3 === 2) continue;
    const choice = choices[index % 2] ?? '';
    const token = acknowledged.tokens.get(voter.name) ?? new Uint8Array();
    expect(await client.castVote({ token, election: acknowledged.election, choice })).toBe(0);
    acknowledged.votes.set(voter.name, choice);
  }
  return acknowledged;
}

async function expectAllPresent(client: VotingClient, acknowledged: Acknowledged): Promise<void> {
  for (const voter of acknowledged.voters) {
    expect(
      await client.registerVoter({ name: voter.name, group, publicKey: voter.keyPair.publicKey }),
      `registration of ${voter.name}`,
    ).toBe(1);
    const token = acknowledged.tokens.get(voter.name) ?? new Uint8Array();
    const voted = acknowledged.votes.get(voter.name);
    const code = await client.castVote({
      token,
      election: acknowledged.election,
      choice: voted ?? choices[0] ?? '',
    });
    // Voters who had not voted vote now; those who had are refused (4).
    expect(code, `vote of ${voter.name}`).toBe(voted === undefined ? 0 : 4);
  }
  // The voter who created the election can still sign in with their key.
  const first = acknowledged.voters[0];
  if (first !== undefined) {
    expect((await client.signIn(first.name, first.keyPair.secretKey)).length).toBeGreaterThan(0);
  }
}

/** Starts a station on `dir`, writes, and SIGKILLs it. */
async function writeThenKill(dir: string, voterCount: number): Promise<Acknowledged> {
  const station = await startStation({ dataDir: dir });
  const client = new VotingClient(station.grpcAddress);
  try {
    return await writeSome(client, voterCount);
  } finally {
    client.close();
    expect((await station.stop('SIGKILL')).signal).toBe('SIGKILL');
  }
}

describe('crash: damaged data directories', () => {
  let dir: string;
  const clients: VotingClient[] = [];

  function connect(station: StationProcess): VotingClient {
    const client = new VotingClient(station.grpcAddress);
    clients.push(client);
    return client;
  }

  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await killRunningStations();
    await removeDirectory(dir);
  });

  async function expectTornTailRecovered(
    damage: (file: string, content: Buffer) => Promise<void>,
  ): Promise<void> {
    dir = await temporaryDirectory('evote-torn-');
    const acknowledged = await writeThenKill(dir, 12);
    const file = await newestLogFile(dir);
    const before = await readFile(file);
    expect(framesOf(before).length, 'the log holds the records written').toBeGreaterThan(12);
    await damage(file, before);
    expect((await stat(file)).size).toBeGreaterThan(before.length);

    const station = await startStation({ dataDir: dir });
    const warnings = logEvents(station.logs()).filter((entry) => entry.event === 'store-torn-tail-truncated');
    expect(warnings, station.logs()).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 'warn', file, offset: before.length });
    // The partial record is gone; every complete one is kept.
    expect((await readFile(file)).equals(before)).toBe(true);
    await expectAllPresent(connect(station), acknowledged);
    expect((await station.stop('SIGTERM')).code).toBe(0);
  }

  it('a torn tail of a few random bytes is cut off with a warning, and every acknowledged write is there', async () => {
    await expectTornTailRecovered(async (file) => {
      await appendFile(file, randomBytes(7));
    });
  });

  it('a record cut in half after the last one is cut off with a warning, and every acknowledged write is there', async () => {
    await expectTornTailRecovered(async (file, content) => {
      const last = framesOf(content).at(-1);
      if (last === undefined) throw new Error('empty log');
      // The next record, as a crash in the middle of its write leaves it: the first half of it.
      const next = Buffer.from(content.subarray(last.offsetBytes, last.offsetBytes + last.sizeBytes));
      next.writeBigUInt64LE(last.seq + 1n, 8);
      await appendFile(file, next.subarray(0, Math.floor(next.length / 2)));
    });
  });

  it('a damaged record before the tail stops start-up, naming the file and byte offset, and changes nothing', async () => {
    dir = await temporaryDirectory('evote-corrupt-');
    await writeThenKill(dir, 12);
    const file = await newestLogFile(dir);
    const content = await readFile(file);
    const frames = framesOf(content);
    expect(frames.length).toBeGreaterThan(12);
    // An early record (the second registration): flip one bit in the middle of its payload.
    const damaged = frames[1];
    if (damaged === undefined) throw new Error('too few records');
    const flipAt =
      damaged.offsetBytes + frameHeaderBytes + Math.floor((damaged.sizeBytes - frameHeaderBytes) / 2);
    content[flipAt] = (content[flipAt] ?? 0) ^ 0x04;
    await writeFile(file, content);
    const filesBefore = (await readdir(dir)).sort();

    const result = await runStationToExit(dir);
    expect(result.code, result.stderr).not.toBe(0);
    expect(result.code, result.stderr).not.toBeNull();
    expect(result.stdout).not.toContain('grpc: ');
    expect(result.stderr).toContain(file);
    const offsets = [...result.stderr.matchAll(/offset (\d+)/g)].map((match) => Number(match[1]));
    expect(offsets, result.stderr).toContain(damaged.offsetBytes);
    // The station left the damaged file (and the directory) exactly as they were, for inspection.
    expect((await readFile(file)).equals(content)).toBe(true);
    expect((await readdir(dir)).sort()).toEqual(filesBefore);
  });

  it('a second station on the same data directory exits non-zero, naming the station that holds it', async () => {
    dir = await temporaryDirectory('evote-locked-');
    const first = await startStation({ dataDir: dir });
    const result = await runStationToExit(dir);
    expect(result.code, result.stderr).not.toBe(0);
    expect(result.code, result.stderr).not.toBeNull();
    expect(result.stdout).not.toContain('grpc: ');
    expect(result.stderr).toMatch(/in use by another station/);
    expect(result.stderr).toContain(`pid ${first.pid}`);
    // The first station is unharmed and still serves.
    const client = connect(first);
    expect((await client.getResult('Nothing')).status).toBe(1);
    expect(first.hasExited()).toBe(false);
  });
});
