/**
 * A gRPC load worker (a child process of the bench; see support/load-driver.ts).
 * It holds `clients` grpc-js channels, each with one call in flight at a time,
 * and reports what it measured in the window the bench gave it.
 */
import { randomBytes } from 'node:crypto';
import { GrpcCallError, VotingClient } from './support/grpc-client.ts';
import { newVoterKey, signChallenge, type VoterKey } from './support/keys.ts';
import {
  isToWorker,
  type FromWorker,
  type WorkerGo,
  type WorkerResult,
  type WorkerSetup,
} from './support/load-protocol.ts';
import { LatencySamples, nowMs } from './support/timing.ts';
import { benchChoices, benchGroup } from './support/workload.ts';

interface Client {
  readonly connection: VotingClient;
  readonly voters: readonly VoterKey[];
  readonly tokens: Uint8Array[];
}

let setup: WorkerSetup | null = null;
let clients: Client[] = [];

function send(message: FromWorker): void {
  process.send?.(message);
}

/** The length of a real token for `name` (see core/auth/tokens.ts: 35 fixed bytes, the name, a 32-byte MAC). */
function tokenLength(name: string): number {
  return 35 + Buffer.byteLength(name, 'utf8') + 32;
}

async function signIn(connection: VotingClient, key: VoterKey): Promise<Uint8Array> {
  const challenge = await connection.preAuth(key.name);
  return connection.auth(key.name, signChallenge(key, challenge));
}

async function prepare(plan: WorkerSetup): Promise<void> {
  clients = Array.from({ length: plan.clients }, (_, clientIndex) => ({
    connection: new VotingClient(plan.address),
    voters: Array.from({ length: plan.votersPerClient }, (_unused, voterIndex) =>
      newVoterKey(`${plan.voterPrefix}w${plan.workerIndex}-c${clientIndex}-v${voterIndex}`),
    ),
    tokens: [],
  }));
  await Promise.all(
    clients.map(async (client) => {
      for (const key of client.voters) {
        if (!plan.realStation) {
          client.tokens.push(randomBytes(tokenLength(key.name)));
          continue;
        }
        const code = await client.connection.registerVoter(key.name, benchGroup, key.publicKey);
        if (code !== 0) throw new Error(`RegisterVoter ${key.name} answered code ${code}`);
        if (plan.mode === 'vote') client.tokens.push(await signIn(client.connection, key));
      }
    }),
  );
}

class Tally {
  calls = 0;
  exhaustedClients = 0;
  readonly latencies = new LatencySamples();
  readonly failures: Record<string, number> = {};

  fail(cause: string): void {
    this.failures[cause] = (this.failures[cause] ?? 0) + 1;
  }

  failure(error: unknown): void {
    this.fail(error instanceof GrpcCallError ? `grpc ${error.message}` : String(error).slice(0, 100));
  }
}

async function voteLoop(plan: WorkerSetup, go: WorkerGo, client: Client, tally: Tally): Promise<void> {
  let election = 0;
  let voter = 0;
  for (;;) {
    const startedAt = Date.now();
    if (startedAt >= go.endAtEpochMs) return;
    const electionName = plan.elections[election];
    const token = client.tokens[voter];
    if (electionName === undefined || token === undefined) {
      tally.exhaustedClients += 1;
      return;
    }
    const counted = startedAt >= go.measureFromEpochMs;
    const sent = nowMs();
    try {
      const code = await client.connection.castVote(
        token,
        electionName,
        benchChoices[voter % benchChoices.length] ?? '',
      );
      if (counted) {
        if (code === 0) {
          tally.calls += 1;
          tally.latencies.push(nowMs() - sent);
        } else {
          tally.fail(`CastVote code ${code}`);
        }
      }
    } catch (error) {
      if (counted) tally.failure(error);
    }
    voter += 1;
    if (voter === client.tokens.length) {
      voter = 0;
      election += 1;
    }
  }
}

async function loginLoop(go: WorkerGo, client: Client, tally: Tally): Promise<void> {
  const key = client.voters[0];
  if (key === undefined) return;
  for (;;) {
    const startedAt = Date.now();
    if (startedAt >= go.endAtEpochMs) return;
    const counted = startedAt >= go.measureFromEpochMs;
    const sent = nowMs();
    try {
      await signIn(client.connection, key);
      if (counted) {
        tally.calls += 1;
        tally.latencies.push(nowMs() - sent);
      }
    } catch (error) {
      if (counted) tally.failure(error);
    }
  }
}

async function run(go: WorkerGo): Promise<WorkerResult> {
  const plan = setup;
  if (plan === null) throw new Error('go before setup');
  const tally = new Tally();
  await Promise.all(
    clients.map((client) =>
      plan.mode === 'vote' ? voteLoop(plan, go, client, tally) : loginLoop(go, client, tally),
    ),
  );
  return {
    type: 'result',
    calls: tally.calls,
    latencies: tally.latencies.toArray(),
    failures: tally.failures,
    exhaustedClients: tally.exhaustedClients,
  };
}

function closeClients(): void {
  for (const client of clients) client.connection.close();
  clients = [];
}

process.on('message', (message: unknown) => {
  if (!isToWorker(message)) return;
  const work =
    message.type === 'setup'
      ? (async (): Promise<FromWorker> => {
          setup = message;
          await prepare(message);
          return { type: 'ready' };
        })()
      : run(message);
  work.then(send, (error: unknown) => {
    send({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
  });
});

process.on('disconnect', () => {
  closeClients();
  process.exit(0);
});
