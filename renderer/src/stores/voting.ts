/**
 * One voter's visit to the kiosk, as a small state machine:
 * idle → signing-in → choosing → reviewing → casting → done | refused → idle.
 *
 * The voter's token, ballot and choice live here in memory only, and `reset`
 * drops all of them (the kiosk view remounts its steps on reset, so no field
 * keeps any text either). The credential is used once to sign the challenge
 * and its seed is zeroed straight after. Answers that arrive after a reset
 * belong to the previous voter and are ignored.
 */
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { BallotElection } from '../../../core/api/interface-api.ts';
import type { CastVoteReason } from '../../../core/protocol/status-codes.ts';
import type { UnavailableReason } from '../../../core/station/station-api.ts';
import { useApi } from '../api/use-api.ts';
import { parseCredential, signChallenge } from '../credentials/credential.ts';

export type VotingStep = 'idle' | 'signing-in' | 'choosing' | 'reviewing' | 'casting' | 'done' | 'refused';

/** Everything that can stop or hold up a voter; each has its own message (features/vote/messages.ts). */
export type VoteProblem =
  | 'not-a-credential'
  | 'wrong-role'
  | 'not-recognised'
  | 'unreachable'
  | 'no-open-elections'
  | 'all-voted'
  | 'no-choice'
  | 'unavailable-retry'
  | 'unavailable-ask-official'
  | Exclude<CastVoteReason, 'ok'>;

export interface VoteNotice {
  readonly problem: VoteProblem;
  /** The election the problem is about when it is not the one in front of the voter; '' otherwise. */
  readonly election: string;
}

/** The finish countdown after a vote or refusal, or the warning before an inactivity reset. */
export interface VoteCountdown {
  readonly kind: 'finish' | 'inactive';
  readonly seconds: number;
}

/** A credential file is a few hundred bytes; anything much larger is not one and is not read. */
export const credentialFileBytesMax = 4_096;
/** How long the confirmation (or a refusal) stays before the kiosk starts over by itself. */
export const finishSeconds = 10;
/** Without input for this long the kiosk warns that it will start over… */
export const inactivityWarningMs = 40_000;
/** …and starts over this many seconds later (at least 20 s to react, WCAG 2.2.1). */
export const inactivityWarningSeconds = 20;

/**
 * Unavailable reasons that waiting does not fix: an official must act. The
 * kiosk does not show the officials' wording of these (i18n/unavailable-message.ts):
 * a voter needs to know whether to wait or to ask for help, not about disks,
 * backups and primaries.
 */
const needsOfficial: ReadonlySet<UnavailableReason> = new Set(['storage-full', 'storage-failed']);

export const useVotingStore = defineStore('voting', () => {
  const api = useApi();
  const step = ref<VotingStep>('idle');
  /** Increases on every reset; the view keys its steps on it, and late answers of an earlier visit are dropped. */
  const visit = ref(0);
  const notice = shallowRef<VoteNotice | null>(null);
  const elections = shallowRef<readonly BallotElection[]>([]);
  const electionName = ref<string | null>(null);
  const choice = ref<string | null>(null);
  /** The election whose vote was just recorded (the confirmation names it, never the choice). */
  const recordedElection = ref<string | null>(null);
  const countdown = shallowRef<VoteCountdown | null>(null);
  // Private: components never see the voter's token.
  const token = shallowRef<Uint8Array | null>(null);
  let inactivityTimer: ReturnType<typeof setTimeout> | null = null;
  let countdownTimer: ReturnType<typeof setInterval> | null = null;
  /** Bumped when a vote is cast, so that a ballot fetched before it is not shown after it. */
  let castCount = 0;

  const signedIn = computed(() => token.value !== null);
  const election = computed(() => elections.value.find((item) => item.name === electionName.value) ?? null);
  const votable = computed(() => elections.value.filter((item) => !item.alreadyVoted));

  function reset(): void {
    stopTimers();
    visit.value += 1;
    step.value = 'idle';
    notice.value = null;
    elections.value = [];
    electionName.value = null;
    choice.value = null;
    recordedElection.value = null;
    token.value = null;
  }

  function stopTimers(): void {
    if (inactivityTimer !== null) clearTimeout(inactivityTimer);
    if (countdownTimer !== null) clearInterval(countdownTimer);
    inactivityTimer = null;
    countdownTimer = null;
    countdown.value = null;
  }

  function startCountdown(kind: VoteCountdown['kind'], seconds: number): void {
    stopTimers();
    countdown.value = { kind, seconds };
    countdownTimer = setInterval(() => {
      const left = (countdown.value?.seconds ?? 0) - 1;
      if (left <= 0) reset();
      else countdown.value = { kind, seconds: left };
    }, 1_000);
  }

  function armInactivity(): void {
    stopTimers();
    inactivityTimer = setTimeout(() => {
      startCountdown('inactive', inactivityWarningSeconds);
    }, inactivityWarningMs);
  }

  /**
   * Any input from the voter. It restarts the inactivity timer on the steps
   * where the voter acts (on the start screen only once something was entered),
   * and cancels a pending inactivity warning.
   */
  function noteActivity(): void {
    const waitingForStation = step.value === 'signing-in' || step.value === 'casting';
    const finishing = countdown.value?.kind === 'finish';
    if (!waitingForStation && !finishing) armInactivity();
  }

  /** Enters a step where the voter acts, with the inactivity timer running. */
  function enter(next: VotingStep, problem: VoteNotice | null = null): void {
    step.value = next;
    notice.value = problem;
    armInactivity();
  }

  /** Ends the visit with a message; everything but the message is dropped, and the kiosk starts over soon. */
  function refuse(problem: VoteProblem, about = ''): void {
    token.value = null;
    elections.value = [];
    electionName.value = null;
    choice.value = null;
    step.value = 'refused';
    notice.value = { problem, election: about };
    startCountdown('finish', finishSeconds);
  }

  async function signInWithFile(file: Blob): Promise<void> {
    if (step.value !== 'idle') return;
    if (file.size > credentialFileBytesMax) {
      enter('idle', { problem: 'not-a-credential', election: '' });
      return;
    }
    await signIn(await file.text());
  }

  /** Signs the voter in with a credential's file text or QR text, then shows their ballot. */
  async function signIn(text: string): Promise<void> {
    if (step.value !== 'idle') return;
    const parsed = parseCredential(text, 'voter');
    if ('invalid' in parsed) {
      enter('idle', { problem: parsed.invalid, election: '' });
      return;
    }
    const { credential } = parsed;
    const thisVisit = visit.value;
    stopTimers();
    step.value = 'signing-in';
    notice.value = null;
    try {
      const { challenge } = await api.voterChallenge({ name: credential.name });
      const signature = signChallenge(credential, challenge);
      const answer = await api.voterSignIn({ name: credential.name, signature });
      if (thisVisit !== visit.value) return;
      if ('refused' in answer) {
        refuse('not-recognised');
        return;
      }
      token.value = answer.token;
      const ballot = await api.ballot({ token: answer.token });
      if (thisVisit !== visit.value) return;
      if ('refused' in ballot) {
        refuse('invalid-token');
        return;
      }
      elections.value = ballot.elections;
      showBallot(null);
    } catch {
      if (thisVisit !== visit.value) return;
      token.value = null;
      enter('idle', { problem: 'unreachable', election: '' });
    } finally {
      credential.seed.fill(0);
    }
  }

  /**
   * Shows the election to vote in next, keeping the current one (and its
   * choice) while it can still take the vote; with nothing left to vote in,
   * ends the visit with `problem` or the reason there is nothing.
   */
  function showBallot(problem: VoteNotice | null): void {
    const next = election.value?.alreadyVoted === false ? election.value : votable.value[0];
    if (next === undefined) {
      const nothing: VoteProblem = elections.value.length === 0 ? 'no-open-elections' : 'all-voted';
      refuse(problem?.problem ?? nothing, problem?.election ?? '');
      return;
    }
    if (next.name !== electionName.value) {
      electionName.value = next.name;
      choice.value = null;
    }
    enter('choosing', problem);
  }

  function choose(option: string): void {
    if (step.value !== 'choosing') return;
    choice.value = option;
    if (notice.value?.problem === 'no-choice') notice.value = null;
  }

  function review(): void {
    if (step.value !== 'choosing' || electionName.value === null) return;
    if (choice.value === null) {
      enter('choosing', { problem: 'no-choice', election: '' });
      return;
    }
    enter('reviewing');
  }

  function change(): void {
    if (step.value === 'reviewing') enter('choosing');
  }

  async function confirm(): Promise<void> {
    const voted = electionName.value;
    const chosen = choice.value;
    if (step.value !== 'reviewing' || token.value === null || voted === null || chosen === null) return;
    const thisVisit = visit.value;
    stopTimers();
    castCount += 1;
    step.value = 'casting';
    notice.value = null;
    let answer: Awaited<ReturnType<typeof api.castVote>>;
    try {
      answer = await api.castVote({ token: token.value, election: voted, choice: chosen });
    } catch {
      if (thisVisit === visit.value) enter('reviewing', { problem: 'unreachable', election: '' });
      return;
    }
    if (thisVisit !== visit.value) return;
    if ('unavailable' in answer) {
      // The choice stays so that the voter can simply try again.
      const problem = needsOfficial.has(answer.unavailable)
        ? 'unavailable-ask-official'
        : 'unavailable-retry';
      enter('reviewing', { problem, election: '' });
      return;
    }
    switch (answer.reason) {
      case 'ok':
        markVoted(voted);
        choice.value = null;
        recordedElection.value = voted;
        if (votable.value.length === 0) {
          token.value = null;
          step.value = 'done';
          notice.value = null;
          startCountdown('finish', finishSeconds);
        } else {
          enter('done');
        }
        return;
      case 'invalid-token':
        refuse('invalid-token');
        return;
      case 'unknown-choice':
        choice.value = null;
        enter('choosing', { problem: 'unknown-choice', election: '' });
        return;
      case 'already-voted':
        markVoted(voted);
        showBallot({ problem: 'already-voted', election: voted });
        return;
      case 'unknown-election':
      case 'election-closed':
      case 'group-not-allowed':
        // This election cannot take the voter's vote; the voter may still vote in the others.
        elections.value = elections.value.filter((item) => item.name !== voted);
        showBallot({ problem: answer.reason, election: voted });
        return;
    }
  }

  function markVoted(name: string): void {
    elections.value = elections.value.map((item) =>
      item.name === name ? { ...item, alreadyVoted: true } : item,
    );
  }

  /** From the confirmation, on to the next election the voter may vote in. */
  const choosing = (): boolean => step.value === 'choosing' || step.value === 'reviewing';

  function nextElection(): void {
    if (step.value === 'done' && votable.value.length > 0) showBallot(null);
  }

  /**
   * The station's elections changed (one closed, or one was created): fetch
   * the ballot again while the voter is choosing, and say so if the election
   * in front of them closed.
   */
  async function ballotChanged(): Promise<void> {
    const current = electionName.value;
    if (!choosing() || token.value === null || current === null) return;
    const thisVisit = visit.value;
    const castsBefore = castCount;
    let ballot: Awaited<ReturnType<typeof api.ballot>>;
    try {
      ballot = await api.ballot({ token: token.value });
    } catch {
      return; // the next action will report the station unreachable
    }
    if (thisVisit !== visit.value || castsBefore !== castCount || !choosing()) return;
    if ('refused' in ballot) {
      refuse('invalid-token');
      return;
    }
    elections.value = ballot.elections;
    const now = ballot.elections.find((item) => item.name === current);
    if (now?.alreadyVoted === false) return;
    showBallot({ problem: now === undefined ? 'election-closed' : 'already-voted', election: current });
  }

  return {
    step,
    visit,
    notice,
    elections,
    election,
    votable,
    choice,
    recordedElection,
    countdown,
    signedIn,
    reset,
    noteActivity,
    signIn,
    signInWithFile,
    choose,
    review,
    change,
    confirm,
    nextElection,
    ballotChanged,
  };
});
