/**
 * A station: the engine, its durable store and authentication, behind the
 * typed `StationApi`. The engine runs one command at a time; a command that
 * changes the state is applied at once (so the next command sees it), logged,
 * and acknowledged only once the log says it is durable. If the log cannot
 * make it durable, the command and every command applied after it are undone
 * in reverse order, so the state is always exactly what the log holds.
 */
import { ChallengeBook } from '../auth/challenges.ts';
import { isValidSignature } from '../auth/signatures.ts';
import { TokenVerifier } from '../auth/token-verifier.ts';
import { issueToken } from '../auth/tokens.ts';
import { decodeCommand, encodeCommand } from '../codec/command-codec.ts';
import { encodeSnapshot, SnapshotDecoder } from '../codec/snapshot-codec.ts';
import {
  castVote,
  createElection,
  registerOfficial,
  registerVoter,
  unregisterVoter,
  applyCommand,
  type Applied,
} from '../engine/apply.ts';
import type {
  Actor,
  ActorKind,
  Command,
  DivergedCommand,
  OfficialActor,
  VoterActor,
} from '../engine/commands.ts';
import { mergeDiverged, type MergeReason } from '../engine/merge.ts';
import type { ConflictReport } from '../engine/conflicts.ts';
import { getResult, isCurrentActor, registerOf, type ElectionResult } from '../engine/queries.ts';
import { createEngineState, type EngineState } from '../engine/state.ts';
import type { Logger } from '../logging/logger.ts';
import { tokenLifetimeMs } from '../protocol/limits.ts';
import {
  castVoteCodes,
  createElectionCodes,
  outcome,
  registerOfficialCodes,
  type CreateElectionReason,
  type Outcome,
  type RegisterOfficialReason,
} from '../protocol/status-codes.ts';
import { acquireDirectoryLock, type DirectoryLock } from '../store/directory-lock.ts';
import { nodeFileSystem, type FileSystem } from '../store/file-system.ts';
import { StorageFailedError, StorageFullError, Store, type SnapshotInstall } from '../store/store.ts';

export type { SnapshotInstall };
import type { Clock, RandomBytes } from './environment.ts';
import { loadOrCreateIdentity, writeIdentity, type StationIdentity } from './station-identity.ts';
import type {
  AuthAnswer,
  AuthRequest,
  CastVoteRequest,
  CreateElectionRequest,
  ElectionNameRequest,
  RegisterOfficialRequest,
  RegisterVoterRequest,
  StationApi,
  Unavailable,
  VoterNameRequest,
  WriteAnswer,
} from './station-api.ts';

export interface StationOptions {
  readonly dataDir: string;
  readonly clock: Clock;
  readonly randomBytes: RandomBytes;
  readonly logger: Logger;
  /** Compact the log into a snapshot once this many bytes were logged since the last one. */
  readonly snapshotAfterBytes?: number;
  /** Where the data directory lives; the real disk by default (the simulator passes its own). */
  readonly fileSystem?: FileSystem;
  /**
   * Takes the exclusive lock on the data directory; by default a lock that
   * the operating system frees when the process dies (see directory-lock.ts).
   * The simulator gives each station a directory of its own and no lock.
   */
  readonly lockDirectory?: (dataDir: string) => Promise<DirectoryLock>;
}

/**
 * What stands between a durable command and its acknowledgement when the
 * station is part of a primary/backup pair (see core/replication).
 */
export interface CommitReplicator {
  /** Why this station may not take writes now (e.g. it is the backup), or null. */
  writeRefusal(): Unavailable | null;
  /**
   * Why this station may not merge a split's losing side now, or null: it must lead that side,
   * but needs no majority, lease nor backup (the losing side keeps its commands until merged,
   * and takes them back with its full copy).
   */
  mergeRefusal(): Unavailable | null;
  /** Called in sequence order once a command is durable here; resolves when it may be acknowledged. */
  replicate(seq: number, payload: Uint8Array): Promise<Unavailable | null>;
}

/**
 * What a state listener hears: a command that is now durable here (on a
 * primary before its backup confirms it; on a backup as it arrives), or that
 * the state was replaced: a full copy from the primary, a merge after a
 * split, or commands applied but not yet reported were undone because the
 * log refused them.
 */
export type StateChange =
  { readonly type: 'command'; readonly seq: number; readonly command: Command } | { readonly type: 'reset' };

/** A merge changes any part of the state: listeners rebuild what they keep, as after a reset. */
function changeOf(seq: number, command: Command): StateChange {
  return command.kind === 'merge-diverged' ? { type: 'reset' } : { type: 'command', seq, command };
}

interface PendingCommand {
  readonly seq: number;
  readonly revert: () => void;
}

const defaultSnapshotAfterBytes = 64 * 1024 * 1024;

export class Station implements StationApi {
  /** Voters and officials are separate registers, so each has its own challenges. */
  private readonly challenges: Readonly<Record<ActorKind, ChallengeBook>>;
  private readonly stateListeners = new Set<(change: StateChange) => void>();
  /** Applied commands not yet durable, oldest first. */
  private pending: PendingCommand[] = [];
  /** Settles once every command applied so far is durable or undone. */
  private settled: Promise<unknown> = Promise.resolve();
  /** While set, new writes wait: the state is being captured for a snapshot. */
  private intakePause: Promise<void> | null = null;
  private snapshotInFlight: Promise<void> | null = null;
  private stopping = false;
  private replicator: CommitReplicator | null = null;
  private tokens: TokenVerifier;
  /** With a peer: the first record the peer may lack, kept in the log for a merge (null: none kept). */
  private unconfirmedFromSeq: number | null = null;

  private constructor(
    private readonly options: StationOptions,
    private readonly lock: DirectoryLock,
    private readonly store: Store,
    private state: EngineState,
    private identity: StationIdentity,
  ) {
    this.challenges = {
      voter: new ChallengeBook(options.randomBytes),
      official: new ChallengeBook(options.randomBytes),
    };
    this.tokens = new TokenVerifier(identity.tokenKey);
  }

  /** Takes the data directory's lock, recovers the state from snapshot and log, and is ready to serve. */
  static async open(options: StationOptions): Promise<Station> {
    const lock = await (options.lockDirectory ?? acquireDirectoryLock)(options.dataDir);
    const fileSystem = options.fileSystem ?? nodeFileSystem;
    try {
      const identity = await loadOrCreateIdentity(options.dataDir, options.randomBytes, fileSystem);
      const store = await Store.open(options.dataDir, { logger: options.logger, fileSystem });
      const state = await recoverState(store);
      return new Station(options, lock, store, state, identity);
    } catch (error) {
      await lock.release();
      throw error;
    }
  }

  get stationId(): string {
    return this.identity.stationId;
  }

  get tokenKey(): Uint8Array {
    return this.identity.tokenKey;
  }

  get dataDir(): string {
    return this.options.dataDir;
  }

  /** The station's source of randomness (injected, so the simulator draws it from its seed). */
  get randomBytes(): RandomBytes {
    return this.options.randomBytes;
  }

  /** Where the data directory lives; replication keeps its epoch record there too. */
  get fileSystem(): FileSystem {
    return this.options.fileSystem ?? nodeFileSystem;
  }

  /** The sequence number of the last durable command. */
  get lastSeq(): number {
    return this.store.lastSeq;
  }

  get storage(): Store {
    return this.store;
  }

  setReplicator(replicator: CommitReplicator | null): void {
    this.replicator = replicator;
  }

  /** Calls `listener` after every change of the state (see `StateChange`) until the returned function is called. */
  onApplied(listener: (change: StateChange) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /** Resolves once every command applied so far is durable (and replicated) or undone. */
  async settle(): Promise<void> {
    await this.settled;
  }

  /**
   * Backup side: applies and logs commands received from the primary, in
   * order; resolves once they are durable here. A command the engine refuses
   * means the two stations' states differ, which is a bug: it throws.
   */
  async appendReplicated(
    records: readonly { readonly seq: number; readonly payload: Uint8Array }[],
  ): Promise<void> {
    while (this.intakePause !== null) await this.intakePause;
    const first = records[0];
    if (first === undefined) return;
    const appended: Promise<void>[] = [];
    const changes: StateChange[] = [];
    for (const { seq, payload } of records) {
      const command = decodeCommand(payload);
      const applied = applyCommand(this.state, seq, command);
      if (applied.revert === null) {
        throw new Error(
          `replicated command ${seq} was refused here (${applied.outcome.reason}): the states differ`,
        );
      }
      this.pending.push({ seq, revert: applied.revert });
      appended.push(this.store.append(seq, payload));
      changes.push(changeOf(seq, command));
    }
    const done = Promise.all(appended).then(
      () => {
        this.pending.splice(0, records.length);
        for (const change of changes) this.notify(change);
      },
      (error: unknown) => {
        const unavailable = this.undoFrom(first.seq, error);
        throw new Error(`the backup could not store what the primary sent: ${unavailable.message}`);
      },
    );
    this.settled = done.catch(() => undefined);
    await done;
    this.maybeSnapshot();
  }

  /** Backup side: takes the primary's token key, so that its tokens stay valid after a take-over. */
  async adoptTokenKey(tokenKey: Uint8Array): Promise<void> {
    if (Buffer.from(tokenKey).equals(Buffer.from(this.identity.tokenKey))) return;
    const identity = { stationId: this.identity.stationId, tokenKey: Uint8Array.from(tokenKey) };
    await writeIdentity(this.options.dataDir, identity, this.fileSystem);
    this.identity = identity;
    this.tokens = new TokenVerifier(identity.tokenKey);
  }

  /** Backup side: forgets everything before taking a full copy from the primary. */
  async resetForFullCopy(): Promise<void> {
    await this.quiesce();
    await this.store.reset();
    this.state = createEngineState();
    if (this.unconfirmedFromSeq !== null) this.keepUnconfirmedFrom(1);
    this.notify({ type: 'reset' });
  }

  /**
   * With a peer: from now on, records the peer has not confirmed stay in the log even after a
   * snapshot, so that after a split they can be replayed on the winner (`mergeDiverged`).
   * Everything still in the log counts as unconfirmed until the peer confirms it.
   */
  async keepUnconfirmedRecords(): Promise<void> {
    this.keepUnconfirmedFrom(await this.store.firstLogSeq());
  }

  /** The peer holds every record up to `seq` (as this station does): they need not stay in the log. */
  confirmReplicated(seq: number): void {
    if (this.unconfirmedFromSeq !== null && seq + 1 > this.unconfirmedFromSeq)
      this.keepUnconfirmedFrom(seq + 1);
  }

  private keepUnconfirmedFrom(seq: number): void {
    this.unconfirmedFromSeq = seq;
    this.store.retainFrom(seq);
  }

  /**
   * Winner of a split: replays the commands the losing station (`sourceStationId`) accepted
   * after `commonSeq` (core/engine/merge.ts), while it leads that station (CommitReplicator.mergeRefusal).
   * Resolves once the merge is durable.
   */
  async mergeDiverged(
    sourceStationId: string,
    commonSeq: number,
    commands: readonly DivergedCommand[],
  ): Promise<WriteAnswer<MergeReason>> {
    const answer = await this.write(
      (seq, atMs) => {
        const command = { kind: 'merge-diverged', atMs, sourceStationId, commonSeq, commands } as const;
        return { command, applied: mergeDiverged(this.state, seq, command) };
      },
      { merge: true },
    );
    // A batch sent again on a new link finds itself merged already, perhaps by a write that is
    // not durable yet: the follower's catch-up must not start before it is.
    await this.settled;
    return answer;
  }

  /**
   * Backup side: starts receiving the primary's snapshot, or resumes a broken
   * transfer of the same one (`fromChunk` > 0). A transfer that starts from
   * its first chunk never reuses a partial file: it may be of another history.
   */
  async beginSnapshotInstall(seq: number, count: number, fromChunk: number): Promise<SnapshotInstall> {
    await this.quiesce();
    if (fromChunk === 0) await this.store.discardPartialSnapshots();
    const install = await this.store.beginSnapshotInstall(seq, count);
    // More chunks than offered can be here (one was still being written when the link broke);
    // the store ignores chunks it already holds. Fewer would leave a gap.
    if (install.receivedChunks < fromChunk) {
      await install.abandon();
      throw new Error(
        `the primary resumes its snapshot at chunk ${fromChunk} but only ${install.receivedChunks} are here`,
      );
    }
    return install;
  }

  /** Backup side: the whole snapshot has arrived; it replaces the state. */
  async commitSnapshotInstall(install: SnapshotInstall): Promise<void> {
    await this.quiesce();
    await install.commit();
    const decoder = new SnapshotDecoder();
    await this.store.readSnapshotChunks(install.seq, 0, (_index, _count, chunk) => {
      decoder.accept(chunk);
    });
    this.state = decoder.finish();
    this.notify({ type: 'reset' });
  }

  /** The current state, read-only by convention; for queries and tests. */
  get engineState(): EngineState {
    return this.state;
  }

  /** What reconciliation after splits decided (core/engine/conflicts.ts); for officials. */
  conflictReport(): ConflictReport {
    return { merges: [...this.state.merges], conflicts: [...this.state.conflicts] };
  }

  async registerVoter(request: RegisterVoterRequest) {
    return this.write((seq, atMs) => {
      const command = { kind: 'register-voter', atMs, ...request } as const;
      return { command, applied: registerVoter(this.state, seq, command) };
    });
  }

  async unregisterVoter(request: VoterNameRequest) {
    return this.write((seq, atMs) => {
      const command = { kind: 'unregister-voter', atMs, name: request.name } as const;
      return { command, applied: unregisterVoter(this.state, seq, command) };
    });
  }

  preAuth(request: VoterNameRequest): Promise<{ readonly challenge: Uint8Array }> {
    return Promise.resolve({ challenge: this.challenge('voter', request.name) });
  }

  auth(request: AuthRequest): Promise<AuthAnswer> {
    return this.signIn('voter', request);
  }

  /** An official's challenge: as PreAuth, from the officials' register. */
  officialChallenge(request: VoterNameRequest): Promise<{ readonly challenge: Uint8Array }> {
    return Promise.resolve({ challenge: this.challenge('official', request.name) });
  }

  /** An official's sign-in: as Auth; the token is an official's session, never a voter's token. */
  officialSignIn(request: AuthRequest): Promise<AuthAnswer> {
    return this.signIn('official', request);
  }

  /** The voter whose token this is, if it is genuine, unexpired and names their current registration. */
  voterOf(token: Uint8Array): VoterActor | null {
    return this.currentActor(token, 'voter');
  }

  /** The official whose session this is, if it is genuine, unexpired and names their current registration. */
  officialOf(session: Uint8Array): OfficialActor | null {
    return this.currentActor(session, 'official');
  }

  /** Registers an official: the first one with no session (only while none exists), later ones with an official's. */
  async registerOfficial(request: RegisterOfficialRequest): Promise<WriteAnswer<RegisterOfficialReason>> {
    return this.write((seq, atMs) => {
      let actor: OfficialActor | null = null;
      if (request.session !== null) {
        actor = this.actorOf(request.session, atMs, 'official');
        if (actor === null) return { refusal: outcome(registerOfficialCodes, 'invalid-token') };
      }
      const { name, publicKey } = request;
      const command = { kind: 'register-official', atMs, actor, name, publicKey } as const;
      return { command, applied: registerOfficial(this.state, seq, command) };
    });
  }

  /** The protocol's CreateElection: `token` is a voter's. */
  createElection(request: CreateElectionRequest): Promise<WriteAnswer<CreateElectionReason>> {
    return this.createElectionBy('voter', request);
  }

  /** CreateElection from the interface: `token` is an official's session. */
  createElectionAsOfficial(request: CreateElectionRequest): Promise<WriteAnswer<CreateElectionReason>> {
    return this.createElectionBy('official', request);
  }

  async castVote(request: CastVoteRequest) {
    return this.write((seq, atMs) => {
      const actor = this.actorOf(request.token, atMs, 'voter');
      if (actor === null) return { refusal: outcome(castVoteCodes, 'invalid-token') };
      const command = {
        kind: 'cast-vote',
        atMs,
        actor,
        election: request.election,
        choice: request.choice,
      } as const;
      return { command, applied: castVote(this.state, seq, command) };
    });
  }

  async getResult(request: ElectionNameRequest): Promise<ElectionResult> {
    // Report only what is durable: a vote that might still be undone is not counted yet.
    await this.settled;
    return getResult(this.state, request.election, this.options.clock.nowMs());
  }

  /** Refuses new writes, waits for pending ones, compacts the log and releases the directory. */
  async close(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    await this.settled;
    await this.snapshotInFlight?.catch(() => undefined);
    if (this.store.bytesSinceSnapshot > 0 || this.store.holdsCoveredRecords) {
      // Per-vote records leave the disk when the station stops (ballot secrecy at rest), but for
      // those the peer has not confirmed (see keepUnconfirmedRecords).
      await this.snapshot().catch(() => undefined);
    }
    await this.store.close();
    await this.lock.release();
  }

  /** Waits until no write is pending and no snapshot is being written. */
  private async quiesce(): Promise<void> {
    await this.settled;
    await this.snapshotInFlight?.catch(() => undefined);
  }

  private challenge(kind: ActorKind, name: string): Uint8Array {
    // Only members' challenges are remembered; everyone gets one, so names cannot be probed.
    const known = registerOf(this.state, kind).has(name);
    return this.challenges[kind].issue(name, this.options.clock.nowMs(), known);
  }

  private async signIn(kind: ActorKind, request: AuthRequest): Promise<AuthAnswer> {
    const nowMs = this.options.clock.nowMs();
    const challenge = this.challenges[kind].take(request.name, nowMs);
    // A token is only issued for a registration that is durable.
    await this.settled;
    const member = registerOf(this.state, kind).get(request.name);
    if (
      challenge === null ||
      member === undefined ||
      !isValidSignature(member.publicKey, challenge, request.signature)
    ) {
      return { refused: 'authentication-failed' };
    }
    const actor: Actor = { kind, name: request.name, registration: member.registration };
    return {
      token: issueToken(this.identity.tokenKey, actor, nowMs, this.options.randomBytes),
      expiresAtMs: nowMs + tokenLifetimeMs,
    };
  }

  private createElectionBy(
    kind: ActorKind,
    request: CreateElectionRequest,
  ): Promise<WriteAnswer<CreateElectionReason>> {
    return this.write((seq, atMs) => {
      const actor = this.actorOf(request.token, atMs, kind);
      if (actor === null) return { refusal: outcome(createElectionCodes, 'invalid-token') };
      const { name, groups, choices, endsAtMs } = request;
      const command = { kind: 'create-election', atMs, actor, name, groups, choices, endsAtMs } as const;
      return { command, applied: createElection(this.state, seq, command) };
    });
  }

  /** The actor a genuine token of `kind` names, if still valid at `atMs` (whether current is the engine's call). */
  private actorOf<Kind extends ActorKind>(
    token: Uint8Array,
    atMs: number,
    kind: Kind,
  ): (Actor & { readonly kind: Kind }) | null {
    const claims = this.tokens.verify(token, atMs, kind);
    return claims === null
      ? null
      : { kind: claims.kind, name: claims.name, registration: claims.registration };
  }

  private currentActor<Kind extends ActorKind>(
    token: Uint8Array,
    kind: Kind,
  ): (Actor & { readonly kind: Kind }) | null {
    const actor = this.actorOf(token, this.options.clock.nowMs(), kind);
    return actor !== null && isCurrentActor(this.state, actor) ? actor : null;
  }

  /** Listeners run inside the commit path: one that fails is a bug to log, not a reason to lose a write. */
  private notify(change: StateChange): void {
    for (const listener of this.stateListeners) {
      try {
        listener(change);
      } catch (error) {
        this.options.logger.log('error', 'internal-error', 'a state listener failed', {
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
  }

  /**
   * Runs one state-changing request: `decide` builds the command for the next
   * sequence number and time and applies it (or refuses it before the engine).
   */
  private async write<Reason extends string>(
    decide: (
      seq: number,
      atMs: number,
    ) =>
      | { readonly command: Command; readonly applied: Applied<Reason> }
      | { readonly refusal: Outcome<Reason> },
    { merge = false }: { readonly merge?: boolean } = {},
  ): Promise<WriteAnswer<Reason>> {
    while (this.intakePause !== null) await this.intakePause;
    if (this.stopping) return stoppingAnswer;
    const refusal = (merge ? this.replicator?.mergeRefusal() : this.replicator?.writeRefusal()) ?? null;
    if (refusal !== null) return refusal;
    const seq = this.state.lastSeq + 1;
    // Station time never runs backwards, even if the wall clock does.
    const atMs = Math.max(this.options.clock.nowMs(), this.state.lastAtMs);
    const decision = decide(seq, atMs);
    if ('refusal' in decision) return decision.refusal;
    const { command, applied } = decision;
    if (applied.revert === null) return applied.outcome;

    this.pending.push({ seq, revert: applied.revert });
    const payload = encodeCommand(command);
    const answer = this.store.append(seq, payload).then(
      async () => {
        this.pending.shift();
        this.notify(changeOf(seq, command));
        // A merge happens before its follower catches up, which brings the merge along.
        const notReplicated = merge ? null : ((await this.replicator?.replicate(seq, payload)) ?? null);
        return notReplicated ?? applied.outcome;
      },
      (error: unknown) => this.undoFrom(seq, error),
    );
    // Appends settle in order, so the newest one settling means all have.
    this.settled = answer.catch(() => undefined);
    const result = await answer;
    this.maybeSnapshot();
    return result;
  }

  /** The log could not make `seq` durable: undo it and everything after it, newest first. */
  private undoFrom(seq: number, error: unknown): Unavailable {
    if (!(error instanceof StorageFullError || error instanceof StorageFailedError)) throw error;
    const index = this.pending.findIndex((entry) => entry.seq === seq);
    if (index >= 0) {
      for (const entry of this.pending.splice(index).reverse()) entry.revert();
      this.notify({ type: 'reset' });
    }
    return {
      unavailable: error instanceof StorageFullError ? 'storage-full' : 'storage-failed',
      message: error.message,
    };
  }

  private maybeSnapshot(): void {
    const limit = this.options.snapshotAfterBytes ?? defaultSnapshotAfterBytes;
    if (this.snapshotInFlight !== null || this.stopping || this.store.bytesSinceSnapshot < limit) return;
    this.snapshot().catch(() => undefined);
  }

  /**
   * Captures the state at a quiet point (new writes wait while the engine is
   * serialized), then lets writes go on in a new log segment while the
   * snapshot file is written. Failures are logged by the store and leave the
   * old snapshot and the log intact.
   */
  private snapshot(): Promise<void> {
    let resume = (): void => undefined;
    this.intakePause = new Promise((resolve) => (resume = resolve));
    const inFlight = this.captureAndWriteSnapshot(resume).finally(() => {
      this.snapshotInFlight = null;
    });
    this.snapshotInFlight = inFlight;
    return inFlight;
  }

  private async captureAndWriteSnapshot(resume: () => void): Promise<void> {
    let writing: Promise<void>;
    try {
      await this.settled;
      // writeSnapshot switches the log to a new segment at once, so writes may resume right away.
      writing = this.store.writeSnapshot(this.state.lastSeq, encodeSnapshot(this.state));
    } finally {
      this.intakePause = null;
      resume();
    }
    await writing;
  }
}

const stoppingAnswer: Unavailable = {
  unavailable: 'stopping',
  message: 'the station is shutting down and takes no more changes',
};

async function recoverState(store: Store): Promise<EngineState> {
  let decoder: SnapshotDecoder | null = null;
  let state: EngineState | null = null;
  const stateNow = (): EngineState => (state ??= decoder?.finish() ?? createEngineState());
  await store.recover(
    (chunk) => {
      decoder ??= new SnapshotDecoder();
      decoder.accept(chunk);
    },
    (seq, payload) => {
      const applied = applyCommand(stateNow(), seq, decodeCommand(payload));
      if (applied.revert === null) {
        throw new Error(
          `logged command ${seq} was refused on replay (${applied.outcome.reason}): the log is inconsistent`,
        );
      }
    },
  );
  return stateNow();
}
