/**
 * Simulated clients, as polling-station terminals would use the protocol:
 * they register voters, sign them in (PreAuth + Auth with the voter's own
 * Ed25519 key), create elections and cast votes, each on the station it
 * believes is the primary, moving to the other one when refused or when no
 * answer comes. Every write a client sees acknowledged (code 0) is recorded:
 * the invariants check that none of them is ever lost.
 *
 * Calls go straight to the station object (the gRPC layer is not simulated),
 * with a seeded latency each way; a call to a station that is down fails, and
 * one whose answer does not come in time is given up (outcome unknown).
 */
import { createHash, createPrivateKey, createPublicKey, sign, type KeyObject } from 'node:crypto';
import { isUnavailable } from '../core/station/station-api.ts';
import type { Station } from '../core/station/station.ts';
import type { EventLoop } from './event-loop.ts';
import type { Random } from './random.ts';
import type { StationNode } from './station-node.ts';
import type { Trace } from './trace.ts';

export type AcknowledgedWrite =
  | {
      readonly kind: 'register-voter';
      readonly name: string;
      readonly publicKey: Uint8Array;
      readonly station: string;
    }
  | {
      readonly kind: 'create-election';
      readonly name: string;
      readonly choices: readonly string[];
      readonly station: string;
    }
  | {
      readonly kind: 'cast-vote';
      readonly election: string;
      readonly voter: string;
      readonly choice: string;
      readonly station: string;
    };

export const choices = ['red', 'green', 'blue'] as const;
const group = 'hall';
const requestTimeoutMs = 3_000;
const electionLifetimeMs = 2 * 60 * 60 * 1000;

interface KeyPair {
  readonly publicKey: Uint8Array;
  readonly privateKey: KeyObject;
}

// DER prefix of a PKCS #8 structure holding a raw 32-byte Ed25519 seed (RFC 8410).
const ed25519Pkcs8Prefix = Buffer.from('302e020100300506032b657004220420', 'hex');

/** Voters draw their keys from this many fixed key pairs (names tell voters apart, not keys). */
const keyPairCount = 512;
/** Made on first use and kept across runs: importing a key costs more than a whole vote. */
const keyPairs = new Map<number, KeyPair>();

/** Ed25519 key pair number `index` (Node's crypto: the same keys as tweetnacl's, many times faster). */
function keyPairOf(index: number): KeyPair {
  let keyPair = keyPairs.get(index);
  if (keyPair === undefined) {
    const seed = createHash('sha256').update(`evote simulated voter ${index}`).digest();
    const privateKey = createPrivateKey({
      key: Buffer.concat([ed25519Pkcs8Prefix, seed]),
      format: 'der',
      type: 'pkcs8',
    });
    const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
    keyPair = { publicKey: new Uint8Array(spki.subarray(spki.length - 32)), privateKey };
    keyPairs.set(index, keyPair);
  }
  return keyPair;
}

interface Voter {
  readonly name: string;
  readonly keyPair: KeyPair;
  token: Uint8Array | null;
  /** Elections this voter is done with (voted, or told it already had). */
  readonly done: Set<string>;
}

interface Client {
  readonly id: number;
  target: number;
  readonly voters: Voter[];
  readonly unconfirmed: Voter[];
  counter: number;
}

export interface WorkloadOptions {
  readonly loop: EventLoop;
  readonly random: Random;
  readonly stations: readonly StationNode[];
  readonly clients: number;
  readonly trace: Trace;
  /** A call rejected instead of answering with a value: the API's contract is broken. */
  readonly onContractBroken: (message: string) => void;
}

export class Workload {
  readonly acknowledged: AcknowledgedWrite[] = [];
  /** Elections some client saw created. */
  private readonly elections: string[] = [];
  private readonly clients: Client[] = [];
  private running = false;
  /** Calls made and not yet answered or given up. */
  inFlight = 0;
  readonly counts = { calls: 0, answered: 0, refused: 0, unreachable: 0, timedOut: 0 };

  constructor(private readonly options: WorkloadOptions) {}

  start(): void {
    this.running = true;
    for (let id = 0; id < this.options.clients; id += 1) {
      const client: Client = {
        id,
        target: this.options.random.int(0, this.options.stations.length - 1),
        voters: [],
        unconfirmed: [],
        counter: 0,
      };
      this.clients.push(client);
      this.next(client);
    }
  }

  /** No new calls; those in flight finish. */
  stop(): void {
    this.running = false;
  }

  private next(client: Client, afterMs = this.options.random.between(1, 20)): void {
    this.options.loop.after(afterMs, () => {
      if (this.running) this.act(client);
    });
  }

  private act(client: Client): void {
    const random = this.options.random;
    const unconfirmed = client.unconfirmed[0];
    if (unconfirmed !== undefined && random.chance(0.5)) {
      this.register(client, unconfirmed);
      return;
    }
    if (client.voters.length === 0 || random.chance(0.25)) {
      client.counter += 1;
      const voter: Voter = {
        name: `c${client.id}v${client.counter}`,
        keyPair: keyPairOf(random.int(0, keyPairCount - 1)),
        token: null,
        done: new Set(),
      };
      client.unconfirmed.push(voter);
      this.register(client, voter);
      return;
    }
    const voter = random.pick(client.voters);
    if (voter.token === null) {
      this.signIn(client, voter);
      return;
    }
    const open = this.elections.filter((election) => !voter.done.has(election));
    if (open.length === 0 || (this.elections.length < 12 && random.chance(0.08))) {
      this.createElection(client, voter);
      return;
    }
    this.vote(client, voter, random.pick(open));
  }

  private register(client: Client, voter: Voter): void {
    const publicKey = voter.keyPair.publicKey;
    this.call(
      client,
      `register ${voter.name}`,
      (station) => station.registerVoter({ name: voter.name, group, publicKey }),
      (answer, node) => {
        if (isUnavailable(answer)) return false;
        if (answer.code === 0)
          this.acknowledge({ kind: 'register-voter', name: voter.name, publicKey, station: node.name });
        // 'voter-exists': an earlier attempt whose answer was lost did register the voter.
        if (answer.code === 0 || answer.reason === 'voter-exists') {
          client.unconfirmed.splice(client.unconfirmed.indexOf(voter), 1);
          client.voters.push(voter);
        }
        return true;
      },
    );
  }

  private signIn(client: Client, voter: Voter): void {
    this.call(
      client,
      `pre-auth ${voter.name}`,
      (station) => station.preAuth({ name: voter.name }),
      ({ challenge }, node) => {
        const signature = new Uint8Array(sign(null, challenge, voter.keyPair.privateKey));
        this.call(
          client,
          `auth ${voter.name}`,
          (station) => station.auth({ name: voter.name, signature }),
          (answer) => {
            if ('token' in answer) voter.token = answer.token;
            return true;
          },
          node,
        );
        return null;
      },
    );
  }

  private createElection(client: Client, voter: Voter): void {
    const token = voter.token;
    if (token === null) return;
    client.counter += 1;
    const name = `c${client.id}e${client.counter}`;
    const endsAtMs = Math.floor(this.options.loop.nowMs) + electionLifetimeMs;
    this.call(
      client,
      `create ${name}`,
      (station) => station.createElection({ token, name, groups: [group], choices: [...choices], endsAtMs }),
      (answer, node) => {
        if (isUnavailable(answer)) return false;
        if (answer.reason === 'invalid-token') voter.token = null;
        if (answer.code === 0) {
          this.acknowledge({ kind: 'create-election', name, choices: [...choices], station: node.name });
          this.elections.push(name);
        }
        return true;
      },
    );
  }

  private vote(client: Client, voter: Voter, election: string): void {
    const token = voter.token;
    if (token === null) return;
    const choice = this.options.random.pick(choices);
    this.call(
      client,
      `vote ${voter.name} in ${election}`,
      (station) => station.castVote({ token, election, choice }),
      (answer, node) => {
        if (isUnavailable(answer)) return false;
        if (answer.reason === 'invalid-token') voter.token = null;
        if (answer.code === 0) {
          voter.done.add(election);
          this.acknowledge({ kind: 'cast-vote', election, voter: voter.name, choice, station: node.name });
        }
        if (answer.reason === 'already-voted') voter.done.add(election);
        return true;
      },
    );
  }

  private acknowledge(write: AcknowledgedWrite): void {
    this.acknowledged.push(write);
  }

  /**
   * One call to the client's station. `onAnswer` returns true if the station
   * dealt with the request (the client goes on), false if it refused to (the
   * client tries the other station), null if it made another call itself.
   */
  private call<T extends object>(
    client: Client,
    what: string,
    request: (station: Station) => Promise<T>,
    onAnswer: (answer: T, node: StationNode) => boolean | null,
    fixedNode?: StationNode,
  ): void {
    const { loop, random, stations, trace } = this.options;
    const node = fixedNode ?? stations[client.target % stations.length];
    if (node === undefined) return;
    this.counts.calls += 1;
    this.inFlight += 1;
    let settled = false;
    const finish = (outcome: 'answered' | 'refused' | 'unreachable' | 'timedOut', text: string): void => {
      if (settled) return;
      settled = true;
      this.inFlight -= 1;
      this.counts[outcome] += 1;
      trace.add(`client ${client.id} ${what} @${node.name}: ${text}`, 'client');
      if (outcome !== 'answered') {
        client.target += 1;
        this.next(client, random.between(5, 50));
      }
    };
    loop.after(random.between(0.05, 0.5), () => {
      const station = node.state === 'up' ? node.station : null;
      if (station === null) {
        loop.after(random.between(0.05, 0.5), () => {
          finish('unreachable', 'unreachable');
        });
        return;
      }
      const incarnation = node.incarnation;
      const cancelTimeout = loop.after(requestTimeoutMs, () => {
        finish('timedOut', 'no answer in time');
      });
      request(station).then(
        (answer) => {
          // A process that died before answering sends nothing.
          if (node.incarnation !== incarnation) return;
          loop.after(random.between(0.05, 0.5), () => {
            if (settled) return;
            cancelTimeout();
            const text = describe(answer);
            const handled = onAnswer(answer, node);
            if (handled === false) {
              finish('refused', text);
              return;
            }
            finish('answered', text);
            if (handled === true) this.next(client);
          });
        },
        (error: unknown) => {
          const message = error instanceof Error ? error.message : String(error);
          this.options.onContractBroken(`${what} on ${node.name} rejected: ${message}`);
        },
      );
    });
  }
}

function describe(answer: object): string {
  if (isUnavailable(answer)) return `unavailable (${answer.unavailable})`;
  if ('reason' in answer && typeof answer.reason === 'string') return answer.reason;
  if ('token' in answer) return 'token';
  if ('challenge' in answer) return 'challenge';
  if ('refused' in answer && typeof answer.refused === 'string') return answer.refused;
  return 'answer';
}
