/** Setting up a station process over gRPC, as an official would: a voter who creates the elections. */
import { GrpcCallError, VotingClient } from './grpc-client.ts';
import { benchChoices, benchGroup } from './workload.ts';
import { newVoterKey, signChallenge } from './keys.ts';
import { runPool } from './pool.ts';

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

export function describeFailures(failures: ReadonlyMap<string, number>): string {
  return [...failures].map(([cause, count]) => `${cause} × ${count}`).join(', ');
}
