/**
 * An in-memory InterfaceApi for component and store tests. Its rules follow
 * the engine's (core/engine/apply.ts, queries.ts) closely enough that a screen
 * sees the same answers it would from a real station: labels checked for blank
 * or control characters and byte length, 32-byte keys, single-use challenges
 * verified with Ed25519, tokens that expire, results only after the end. Like
 * the real transports, it refuses (throws) a request outside the protocol's
 * limits (core/api/interface-requests.ts) before the station sees it.
 *
 * Test controls: `emit(event)` pushes an event to subscribers, `setNow(ms)`
 * moves the station's clock, `setStatus(partial)` changes the status and
 * pushes it, `addAudit(...)` records and pushes an audit entry,
 * `setConflictReport(report)` replaces the conflict report and pushes
 * `conflicts-changed`, `setUnavailable(reason)` makes writes answer
 * Unavailable, `setUnreachable` makes every call reject as a lost connection
 * would, `calls` records every request, `signInOfficial` / `signInVoter` get
 * a token without the screens, and `addVoter` / `addElection` fill the
 * station directly.
 */
import nacl from 'tweetnacl';
import {
  interfaceLimits,
  type AuditEntry,
  type AuditLogCall,
  type BallotAnswer,
  type CastVoteCall,
  type Challenge,
  type ChallengeRequest,
  type ConflictReport,
  type CreateElectionCall,
  type ElectionResult,
  type ElectionSummary,
  type InterfaceApi,
  type InterfaceOperation,
  type ListVotersCall,
  type NewOfficialRequest,
  type OfficialAnswer,
  type OfficialReason,
  type OfficialRequest,
  type RegisterVoterCall,
  type ResultCall,
  type SessionRefused,
  type SignInAnswer,
  type SignInRequest,
  type StationEvent,
  type StationOverview,
  type StationStatus,
  type UnregisterVoterCall,
  type VoterPage,
  type VoterTokenRequest,
  type WriteAnswer,
} from '../../../core/api/interface-api.ts';
import { RequestRefusedError } from '../../../core/api/http-interface-client.ts';
import { isInvalidRequest, parseRequest } from '../../../core/api/interface-requests.ts';
import { limits, tokenLifetimeMs } from '../../../core/protocol/limits.ts';
import {
  castVoteCodes,
  createElectionCodes,
  getResultCodes,
  outcome,
  registerOfficialCodes,
  registerVoterCodes,
  unregisterVoterCodes,
  type CastVoteReason,
  type CreateElectionReason,
  type RegisterVoterReason,
  type UnregisterVoterReason,
} from '../../../core/protocol/status-codes.ts';
import type { UnavailableReason } from '../../../core/station/station-api.ts';
import { publicKeyOf, signChallenge, type Credential } from '../../../renderer/src/credentials/credential.ts';

/** One recorded call: the operation and the request it was given (overview has none). */
export type FakeCall = {
  readonly [O in InterfaceOperation]: {
    readonly operation: O;
    readonly request: Parameters<InterfaceApi[O]>[0];
  };
}[InterfaceOperation];

export interface FakeVoter {
  readonly group: string;
  readonly publicKey: Uint8Array;
}

export interface FakeElection {
  readonly name: string;
  readonly groups: readonly string[];
  readonly choices: readonly string[];
  readonly endsAtMs: number;
  readonly tallies: number[];
  readonly voted: Set<string>;
}

interface FakeToken {
  readonly kind: 'official' | 'voter';
  readonly name: string;
  readonly expiresAtMs: number;
}

/** Without --witness: no witness, and no majority to hold (the station decides alone). */
const noWitness = {
  witness: { configured: false, connected: false, address: '' },
  quorum: { held: false },
} as const;

/** A single primary with no backup, as `evote station` runs without pairing. */
export const standaloneStatus: StationStatus = {
  role: 'primary',
  epoch: 0,
  stationId: 'station-a',
  writable: true,
  unprotected: true,
  peer: { connected: false, inSync: false, address: '', stationId: '', lagRecords: 0 },
  ...noWitness,
};

/** A primary whose backup holds everything: no warnings. */
export const protectedStatus: StationStatus = {
  role: 'primary',
  epoch: 3,
  stationId: 'station-a',
  writable: true,
  unprotected: false,
  peer: {
    connected: true,
    inSync: true,
    address: '192.168.1.21:50052',
    stationId: 'station-b',
    lagRecords: 0,
  },
  ...noWitness,
};

export interface FakeApiOptions {
  readonly status?: StationStatus;
  /** The station's clock; default 2030-05-01T08:00:00Z. */
  readonly nowMs?: number;
}

// In a `u` pattern a surrogate range matches only lone surrogates: text that is not well formed.
const forbiddenCharacters = /[\p{Cc}\u2028\u2029\uD800-\uDFFF]/u;
const encoder = new TextEncoder();

/** As core/protocol/text.ts `isValidLabel`, without Node's Buffer. */
export function isValidLabel(text: string, bytesMax: number): boolean {
  if (text.trim().length === 0 || text.length > bytesMax) return false;
  if (encoder.encode(text).length > bytesMax) return false;
  return !forbiddenCharacters.test(text);
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

export class FakeInterfaceApi implements InterfaceApi {
  readonly officials = new Map<string, Uint8Array>();
  readonly voters = new Map<string, FakeVoter>();
  readonly elections = new Map<string, FakeElection>();
  readonly audit: AuditEntry[] = [];
  readonly calls: FakeCall[] = [];
  status: StationStatus;
  nowMs: number;
  conflicts: ConflictReport = { merges: [], conflicts: [] };
  private unavailable: UnavailableReason | null = null;
  private unreachable = false;
  private readonly listeners = new Set<(event: StationEvent) => void>();
  private readonly challenges = new Map<string, Uint8Array>();
  private readonly tokens = new Map<string, FakeToken>();

  constructor(options: FakeApiOptions = {}) {
    this.status = options.status ?? standaloneStatus;
    this.nowMs = options.nowMs ?? Date.UTC(2030, 4, 1, 8, 0, 0);
  }

  // --- test controls ---

  emit(event: StationEvent): void {
    for (const listener of [...this.listeners]) listener(event);
  }

  setNow(ms: number): void {
    this.nowMs = ms;
  }

  /** Changes the status and pushes it, as the station does on every change. */
  setStatus(change: Partial<StationStatus>): void {
    this.status = { ...this.status, ...change };
    this.emit({ type: 'status', status: this.status });
  }

  addAudit(level: AuditEntry['level'], event: string, message: string): AuditEntry {
    const entry: AuditEntry = { id: this.audit.length + 1, atMs: this.nowMs, level, event, message };
    this.audit.push(entry);
    this.emit({ type: 'audit', entry });
    return entry;
  }

  /** Replaces the conflict report and pushes `conflicts-changed`, as the station does after a merge. */
  setConflictReport(report: ConflictReport): void {
    this.conflicts = report;
    this.emit({ type: 'conflicts-changed' });
  }

  /** While set, every write answers Unavailable with this reason. */
  setUnavailable(reason: UnavailableReason | null): void {
    this.unavailable = reason;
  }

  /** While set, every call rejects, as a transport does when the station is gone. */
  setUnreachable(unreachable: boolean): void {
    this.unreachable = unreachable;
  }

  get subscriberCount(): number {
    return this.listeners.size;
  }

  /** The requests recorded for one operation, typed. */
  callsOf<O extends InterfaceOperation>(operation: O): Parameters<InterfaceApi[O]>[0][] {
    return this.calls.flatMap((call) =>
      call.operation === operation ? [call.request as Parameters<InterfaceApi[O]>[0]] : [],
    );
  }

  /** Registers the official if needed and answers a session token, as if they had signed in. */
  async signInOfficial(credential: Credential): Promise<Uint8Array> {
    if (!this.officials.has(credential.name)) this.officials.set(credential.name, publicKeyOf(credential));
    const { challenge } = await this.officialChallenge({ name: credential.name });
    const answer = await this.officialSignIn({
      name: credential.name,
      signature: signChallenge(credential, challenge),
    });
    if ('refused' in answer) throw new Error(`the fake refused ${credential.name}`);
    return answer.token;
  }

  async signInVoter(credential: Credential): Promise<Uint8Array> {
    const { challenge } = await this.voterChallenge({ name: credential.name });
    const answer = await this.voterSignIn({
      name: credential.name,
      signature: signChallenge(credential, challenge),
    });
    if ('refused' in answer) throw new Error(`the fake refused voter ${credential.name}`);
    return answer.token;
  }

  /** Puts a voter in the register directly (no session, no event). */
  addVoter(credential: Credential, group: string): void {
    this.voters.set(credential.name, { group, publicKey: publicKeyOf(credential) });
  }

  /** Puts an election in directly (no session, no checks, no event). */
  addElection(election: {
    readonly name: string;
    readonly groups: readonly string[];
    readonly choices: readonly string[];
    readonly endsAtMs: number;
  }): FakeElection {
    const record: FakeElection = { ...election, tallies: election.choices.map(() => 0), voted: new Set() };
    this.elections.set(election.name, record);
    return record;
  }

  // --- InterfaceApi ---

  async overview(): Promise<StationOverview> {
    await this.enter({ operation: 'overview', request: undefined });
    return { status: this.status, nowMs: this.nowMs, needsFirstOfficial: this.officials.size === 0 };
  }

  async createFirstOfficial(request: NewOfficialRequest): Promise<WriteAnswer<OfficialReason>> {
    await this.enter({ operation: 'createFirstOfficial', request });
    if (this.officials.size > 0) return outcome(registerOfficialCodes, 'already-set-up');
    return this.addOfficial(request);
  }

  async officialChallenge(request: ChallengeRequest): Promise<Challenge> {
    await this.enter({ operation: 'officialChallenge', request });
    return this.challenge('official', request.name);
  }

  async officialSignIn(request: SignInRequest): Promise<SignInAnswer> {
    await this.enter({ operation: 'officialSignIn', request });
    return this.signIn('official', request, this.officials.get(request.name));
  }

  async registerOfficial(
    request: NewOfficialRequest & OfficialRequest,
  ): Promise<OfficialAnswer<WriteAnswer<OfficialReason>>> {
    await this.enter({ operation: 'registerOfficial', request });
    return this.asOfficial(request, () => this.addOfficial(request));
  }

  async registerVoter(request: RegisterVoterCall): Promise<OfficialAnswer<WriteAnswer<RegisterVoterReason>>> {
    await this.enter({ operation: 'registerVoter', request });
    return this.asOfficial(request, () => {
      const refuse = (reason: RegisterVoterReason) => outcome(registerVoterCodes, reason);
      if (!isValidLabel(request.name, limits.voterNameBytesMax)) return refuse('invalid-name');
      if (!isValidLabel(request.group, limits.groupNameBytesMax)) return refuse('invalid-group');
      if (request.publicKey.length !== limits.publicKeyBytes) return refuse('invalid-public-key');
      if (this.voters.has(request.name)) return refuse('voter-exists');
      return (
        this.writeRefusal() ??
        this.change({ type: 'voters-changed' }, () => {
          this.voters.set(request.name, {
            group: request.group,
            publicKey: Uint8Array.from(request.publicKey),
          });
          return refuse('ok');
        })
      );
    });
  }

  async unregisterVoter(
    request: UnregisterVoterCall,
  ): Promise<OfficialAnswer<WriteAnswer<UnregisterVoterReason>>> {
    await this.enter({ operation: 'unregisterVoter', request });
    return this.asOfficial(request, () => {
      const refuse = (reason: UnregisterVoterReason) => outcome(unregisterVoterCodes, reason);
      if (!isValidLabel(request.name, limits.voterNameBytesMax)) return refuse('invalid-name');
      if (!this.voters.has(request.name)) return refuse('unknown-voter');
      return (
        this.writeRefusal() ??
        this.change({ type: 'voters-changed' }, () => {
          this.voters.delete(request.name);
          // Tokens die with the registration.
          for (const [key, token] of this.tokens) {
            if (token.kind === 'voter' && token.name === request.name) this.tokens.delete(key);
          }
          return refuse('ok');
        })
      );
    });
  }

  async listVoters(request: ListVotersCall): Promise<OfficialAnswer<VoterPage>> {
    await this.enter({ operation: 'listVoters', request });
    return this.asOfficial(request, () => {
      const needle = request.search.toLowerCase();
      const matches = [...this.voters]
        .filter(
          ([name, voter]) =>
            needle === '' ||
            name.toLowerCase().includes(needle) ||
            voter.group.toLowerCase().includes(needle),
        )
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      const limit = Math.min(request.limit, interfaceLimits.votersPageMax);
      return {
        total: matches.length,
        voters: matches
          .slice(request.offset, request.offset + limit)
          .map(([name, voter]) => ({ name, group: voter.group })),
      };
    });
  }

  async listElections(request: OfficialRequest): Promise<OfficialAnswer<readonly ElectionSummary[]>> {
    await this.enter({ operation: 'listElections', request });
    return this.asOfficial(request, () =>
      [...this.elections.values()].map((election) => ({
        name: election.name,
        groups: election.groups,
        choices: election.choices,
        endsAtMs: election.endsAtMs,
        open: this.nowMs < election.endsAtMs,
        votes: election.voted.size,
      })),
    );
  }

  async createElection(
    request: CreateElectionCall,
  ): Promise<OfficialAnswer<WriteAnswer<CreateElectionReason>>> {
    await this.enter({ operation: 'createElection', request });
    return this.asOfficial(request, () => {
      const refuse = (reason: CreateElectionReason) => outcome(createElectionCodes, reason);
      const reason = this.electionRefusal(request);
      if (reason !== null) return refuse(reason);
      return (
        this.writeRefusal() ??
        this.change({ type: 'elections-changed' }, () => {
          this.elections.set(request.name, {
            name: request.name,
            groups: [...request.groups],
            choices: [...request.choices],
            endsAtMs: request.endsAtMs,
            tallies: request.choices.map(() => 0),
            voted: new Set(),
          });
          return refuse('ok');
        })
      );
    });
  }

  async getResult(request: ResultCall): Promise<ElectionResult> {
    await this.enter({ operation: 'getResult', request });
    const election = this.elections.get(request.election);
    if (election === undefined) {
      return { outcome: outcome(getResultCodes, 'unknown-election'), counts: [] };
    }
    if (this.nowMs < election.endsAtMs) {
      return { outcome: outcome(getResultCodes, 'election-ongoing'), counts: [] };
    }
    return {
      outcome: outcome(getResultCodes, 'ok'),
      counts: election.choices.map((choice, index) => ({ choice, count: election.tallies[index] ?? 0 })),
    };
  }

  async voterChallenge(request: ChallengeRequest): Promise<Challenge> {
    await this.enter({ operation: 'voterChallenge', request });
    return this.challenge('voter', request.name);
  }

  async voterSignIn(request: SignInRequest): Promise<SignInAnswer> {
    await this.enter({ operation: 'voterSignIn', request });
    return this.signIn('voter', request, this.voters.get(request.name)?.publicKey);
  }

  async ballot(request: VoterTokenRequest): Promise<BallotAnswer> {
    await this.enter({ operation: 'ballot', request });
    const voter = this.voterOf(request.token);
    if (voter === null) return { refused: 'invalid-token' };
    const group = this.voters.get(voter)?.group ?? '';
    const elections = [...this.elections.values()]
      .filter((election) => this.nowMs < election.endsAtMs && election.groups.includes(group))
      .map((election) => ({
        name: election.name,
        choices: election.choices,
        endsAtMs: election.endsAtMs,
        alreadyVoted: election.voted.has(voter),
      }));
    return { voter, group, elections };
  }

  async castVote(request: CastVoteCall): Promise<WriteAnswer<CastVoteReason>> {
    await this.enter({ operation: 'castVote', request });
    const refuse = (reason: CastVoteReason) => outcome(castVoteCodes, reason);
    const voter = this.voterOf(request.token);
    if (voter === null) return refuse('invalid-token');
    const election = this.elections.get(request.election);
    if (election === undefined) return refuse('unknown-election');
    if (this.nowMs >= election.endsAtMs) return refuse('election-closed');
    if (!election.groups.includes(this.voters.get(voter)?.group ?? '')) {
      return refuse('group-not-allowed');
    }
    if (election.voted.has(voter)) return refuse('already-voted');
    const choice = election.choices.indexOf(request.choice);
    if (choice === -1) return refuse('unknown-choice');
    return (
      this.writeRefusal() ??
      this.change({ type: 'elections-changed' }, () => {
        election.voted.add(voter);
        election.tallies[choice] = (election.tallies[choice] ?? 0) + 1;
        return refuse('ok');
      })
    );
  }

  async auditLog(request: AuditLogCall): Promise<OfficialAnswer<readonly AuditEntry[]>> {
    await this.enter({ operation: 'auditLog', request });
    return this.asOfficial(request, () => this.audit.filter((entry) => entry.id > request.afterId));
  }

  async conflictReport(request: OfficialRequest): Promise<OfficialAnswer<ConflictReport>> {
    await this.enter({ operation: 'conflictReport', request });
    return this.asOfficial(request, () => this.conflicts);
  }

  subscribe(listener: (event: StationEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // --- rules ---

  /**
   * Records the call; a rejection stands for a transport that lost the station,
   * or that refused a request outside the protocol's limits (as both the HTTP
   * server and Electron's bridge check requests with `parseRequest`).
   */
  private async enter(call: FakeCall): Promise<void> {
    this.calls.push(call);
    // A transport answers asynchronously, so screens see their pending state as they would for real.
    await Promise.resolve();
    if (this.unreachable) throw new TypeError('Failed to fetch');
    const checked = parseRequest(call.operation, call.request);
    if (isInvalidRequest(checked)) {
      throw new RequestRefusedError(`the station refused the request: ${checked.invalid}`, 400);
    }
  }

  private writeRefusal(): { readonly unavailable: UnavailableReason; readonly message: string } | null {
    if (this.unavailable !== null)
      return { unavailable: this.unavailable, message: `fake: ${this.unavailable}` };
    if (!this.status.writable)
      return { unavailable: 'not-primary', message: `the primary is ${this.status.peer.address}` };
    return null;
  }

  private change<T>(event: StationEvent, apply: () => T): T {
    const answer = apply();
    this.emit(event);
    return answer;
  }

  private addOfficial(request: NewOfficialRequest): WriteAnswer<OfficialReason> {
    if (!isValidLabel(request.name, limits.officialNameBytesMax))
      return outcome(registerOfficialCodes, 'invalid-name');
    if (request.publicKey.length !== limits.publicKeyBytes) {
      return outcome(registerOfficialCodes, 'invalid-public-key');
    }
    if (this.officials.has(request.name)) return outcome(registerOfficialCodes, 'official-exists');
    if (this.officials.size >= limits.officialsMax) return outcome(registerOfficialCodes, 'register-full');
    const refusal = this.writeRefusal();
    if (refusal !== null) return refusal;
    this.officials.set(request.name, Uint8Array.from(request.publicKey));
    return outcome(registerOfficialCodes, 'ok');
  }

  private electionRefusal(request: CreateElectionCall): CreateElectionReason | null {
    if (request.groups.length === 0) return 'missing-groups';
    if (request.choices.length === 0) return 'missing-choices';
    if (!isValidLabel(request.name, limits.electionNameBytesMax)) return 'invalid-name';
    if (this.elections.has(request.name)) return 'election-exists';
    if (this.elections.size >= limits.electionsMax) return 'too-many-elections';
    if (request.groups.length > limits.groupsPerElectionMax) return 'too-many-groups';
    if (!request.groups.every((group) => isValidLabel(group, limits.groupNameBytesMax)))
      return 'invalid-group';
    if (new Set(request.groups).size !== request.groups.length) return 'duplicate-group';
    if (request.choices.length > limits.choicesPerElectionMax) return 'too-many-choices';
    if (!request.choices.every((choice) => isValidLabel(choice, limits.choiceNameBytesMax)))
      return 'invalid-choice';
    if (new Set(request.choices).size !== request.choices.length) return 'duplicate-choice';
    if (!Number.isSafeInteger(request.endsAtMs)) return 'invalid-end-date';
    if (request.endsAtMs <= this.nowMs) return 'end-date-not-in-future';
    if (request.endsAtMs - this.nowMs > limits.electionDurationMsMax) return 'end-date-too-far';
    return null;
  }

  /** A fresh challenge for every request, whether or not the name is registered (as the station does). */
  private challenge(kind: FakeToken['kind'], name: string): Challenge {
    const challenge = nacl.randomBytes(limits.challengeBytes);
    this.challenges.set(`${kind}:${name}`, challenge);
    return { challenge };
  }

  private signIn(
    kind: FakeToken['kind'],
    request: SignInRequest,
    publicKey: Uint8Array | undefined,
  ): SignInAnswer {
    const key = `${kind}:${request.name}`;
    const challenge = this.challenges.get(key);
    // Single use, whatever the outcome.
    this.challenges.delete(key);
    if (
      challenge === undefined ||
      publicKey === undefined ||
      request.signature.length !== limits.signatureBytes ||
      !nacl.sign.detached.verify(challenge, request.signature, publicKey)
    ) {
      return { refused: 'authentication-failed' };
    }
    const token = nacl.randomBytes(16);
    const expiresAtMs = this.nowMs + tokenLifetimeMs;
    this.tokens.set(hex(token), { kind, name: request.name, expiresAtMs });
    return { token, expiresAtMs };
  }

  private holderOf(kind: FakeToken['kind'], token: Uint8Array): string | null {
    const held = this.tokens.get(hex(token));
    if (held?.kind !== kind || this.nowMs >= held.expiresAtMs) return null;
    const registered = kind === 'official' ? this.officials.has(held.name) : this.voters.has(held.name);
    return registered ? held.name : null;
  }

  private voterOf(token: Uint8Array): string | null {
    return this.holderOf('voter', token);
  }

  private asOfficial<T>(request: OfficialRequest, operation: () => T): T | SessionRefused {
    if (this.holderOf('official', request.session) === null) return { refused: 'not-signed-in' };
    return operation();
  }
}
