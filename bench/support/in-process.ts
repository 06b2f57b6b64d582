/** An in-process station on a real data directory, and the workloads the benchmarks run through it. */
import { randomBytes } from 'node:crypto';
import { issueToken } from '../../core/auth/tokens.ts';
import type { LogEvent, Logger } from '../../core/logging/logger.ts';
import { systemClock, systemRandomBytes } from '../../core/station/environment.ts';
import { isUnavailable, type WriteAnswer } from '../../core/station/station-api.ts';
import { Station } from '../../core/station/station.ts';
import { signChallenge, type VoterKey } from './keys.ts';
import { runPool } from './pool.ts';
import { LatencySamples, nowMs } from './timing.ts';
import { benchChoices, benchGroup } from './workload.ts';

const hourMs = 60 * 60 * 1000;

/** Counts the station's log events, and keeps its warnings and errors to show them. */
export interface CountingLogger extends Logger {
  count(event: LogEvent): number;
  readonly problems: string[];
}

export function createCountingLogger(): CountingLogger {
  const counts = new Map<LogEvent, number>();
  const problems: string[] = [];
  return {
    problems,
    count: (event) => counts.get(event) ?? 0,
    log(level, event, message, fields = {}) {
      counts.set(event, (counts.get(event) ?? 0) + 1);
      if (level !== 'info' && problems.length < 20) {
        problems.push(`${level} ${event}: ${message} ${JSON.stringify(fields).slice(0, 300)}`);
      }
    },
  };
}

export function openBenchStation(dataDir: string, logger: Logger): Promise<Station> {
  return Station.open({ dataDir, clock: systemClock, randomBytes: systemRandomBytes, logger });
}

/** Setup steps must succeed; a refusal there is a bug in the bench or the station, so it stops the section. */
export function expectOk(answer: WriteAnswer<string>, what: string): void {
  if (isUnavailable(answer) || answer.code !== 0)
    throw new Error(`${what} failed: ${JSON.stringify(answer)}`);
}

export function voterName(index: number): string {
  return `voter-${String(index).padStart(8, '0')}`;
}

export async function registerKeys(
  station: Station,
  keys: readonly VoterKey[],
  concurrency: number,
): Promise<void> {
  await runPool(keys.length, concurrency, async (index) => {
    const key = keys[index];
    if (key === undefined) return;
    expectOk(
      await station.registerVoter({ name: key.name, group: benchGroup, publicKey: key.publicKey }),
      `registering ${key.name}`,
    );
  });
}

/**
 * Registers `count` voters named `voterName(first) …` with random public keys:
 * they fill the register but never sign in (no key pair needed).
 */
export async function registerFillerVoters(
  station: Station,
  first: number,
  count: number,
  concurrency: number,
): Promise<void> {
  const keys = randomBytes(count * 32);
  await runPool(count, concurrency, async (index) => {
    const name = voterName(first + index);
    expectOk(
      await station.registerVoter({
        name,
        group: benchGroup,
        publicKey: keys.subarray(index * 32, index * 32 + 32),
      }),
      `registering ${name}`,
    );
  });
}

/** PreAuth + Auth with the voter's key, as a client does. */
export async function signIn(station: Station, key: VoterKey): Promise<Uint8Array> {
  const { challenge } = await station.preAuth({ name: key.name });
  const answer = await station.auth({ name: key.name, signature: signChallenge(key, challenge) });
  if (!('token' in answer)) throw new Error(`sign-in failed for ${key.name}`);
  return answer.token;
}

export async function signInAll(
  station: Station,
  keys: readonly VoterKey[],
  concurrency: number,
): Promise<Uint8Array[]> {
  const tokens: Uint8Array[] = new Array<Uint8Array>(keys.length);
  await runPool(keys.length, concurrency, async (index) => {
    const key = keys[index];
    if (key !== undefined) tokens[index] = await signIn(station, key);
  });
  return tokens;
}

/**
 * A token exactly as Auth would issue it, minted with the station's own key:
 * used only to build large data directories without a million Ed25519
 * sign-ins (sign-ins are measured on their own).
 */
export function mintToken(station: Station, voter: string): Uint8Array {
  const record = station.engineState.voters.get(voter);
  if (record === undefined) throw new Error(`${voter} is not registered`);
  return issueToken(
    station.tokenKey,
    { kind: 'voter', name: voter, registration: record.registration },
    Date.now(),
    systemRandomBytes,
  );
}

export async function createElections(
  station: Station,
  token: Uint8Array,
  names: readonly string[],
  concurrency = 64,
): Promise<void> {
  const endsAtMs = Date.now() + hourMs;
  await runPool(names.length, concurrency, async (index) => {
    const name = names[index] ?? '';
    expectOk(
      await station.createElection({ token, name, groups: [benchGroup], choices: benchChoices, endsAtMs }),
      `creating election ${name}`,
    );
  });
}

export interface VoteRun {
  readonly votes: number;
  readonly ms: number;
  /** Votes not acknowledged with code 0, by reason. */
  readonly refused: ReadonlyMap<string, number>;
  readonly latencies: LatencySamples;
}

/**
 * Every token's voter votes once in every election, `concurrency` votes in
 * flight; a vote counts once `castVote` answers, i.e. once it is durable.
 */
export async function castVotes(
  station: Station,
  tokens: readonly Uint8Array[],
  elections: readonly string[],
  concurrency: number,
): Promise<VoteRun> {
  const refused = new Map<string, number>();
  const latencies = new LatencySamples();
  const total = tokens.length * elections.length;
  const start = nowMs();
  await runPool(total, concurrency, async (index) => {
    const token = tokens[index % tokens.length] ?? new Uint8Array(0);
    const election = elections[Math.floor(index / tokens.length)] ?? '';
    const choice = benchChoices[index % benchChoices.length] ?? '';
    const sent = nowMs();
    const answer = await station.castVote({ token, election, choice });
    latencies.push(nowMs() - sent);
    const reason = isUnavailable(answer) ? answer.unavailable : answer.code === 0 ? null : answer.reason;
    if (reason !== null) refused.set(reason, (refused.get(reason) ?? 0) + 1);
  });
  return { votes: total, ms: nowMs() - start, refused, latencies };
}

export function describeRefusals(refused: ReadonlyMap<string, number>): string {
  return [...refused].map(([reason, count]) => `${reason} × ${count}`).join(', ');
}
