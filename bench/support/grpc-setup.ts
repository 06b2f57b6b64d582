/** Setting up a station process over gRPC, as an official would: a voter who creates the elections. */
import { GrpcCallError, VotingClient } from './grpc-client.ts';
import { benchChoices, benchGroup } from './workload.ts';
import { newVoterKey, signChallenge } from './keys.ts';
import { runPool } from './pool.ts';
import { printNote } from './table.ts';

/** Workers and clients the gRPC sections use: 2 processes × 32 channels = 64 concurrent clients. */
export const loadWorkers = 2;
export const clientsPerWorker = 32;

export async function createElectionsOverGrpc(address: string, names: readonly string[]): Promise<void> {
  const client = new VotingClient(address);
  try {
    const official = newVoterKey('official');
    const registered = await client.registerVoter(official.name, benchGroup, official.publicKey);
    if (registered !== 0) throw new Error(`RegisterVoter official answered code ${registered}`);
    const challenge = await client.preAuth(official.name);
    const token = await client.auth(official.name, signChallenge(official, challenge));
    const endsAtMs = Date.now() + 60 * 60 * 1000;
    await runPool(names.length, 16, async (index) => {
      const name = names[index] ?? '';
      const code = await client.createElection(token, name, [benchGroup], benchChoices, endsAtMs);
      if (code !== 0) throw new Error(`CreateElection ${name} answered code ${code}`);
    });
  } catch (error) {
    throw error instanceof GrpcCallError ? new Error(`setting up the station: ${error.message}`) : error;
  } finally {
    client.close();
  }
}

/** Notes, for each load run, the calls that failed and the clients that ran out of work. */
export function noteLoadProblems(
  runs: readonly (readonly [
    string,
    { readonly failures: ReadonlyMap<string, number>; readonly exhaustedClients: number },
  ])[],
): void {
  for (const [label, run] of runs) {
    if (run.failures.size > 0) {
      const causes = [...run.failures].map(([cause, count]) => `${cause} × ${count}`).join(', ');
      printNote(`${label}: calls that failed: ${causes}`);
    }
    if (run.exhaustedClients > 0) {
      printNote(`${label}: ${run.exhaustedClients} client(s) ran out of elections before the end`);
    }
  }
}
