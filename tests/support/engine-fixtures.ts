/** Small builders for engine tests. */
import type { EngineState } from '../../core/engine/state.ts';

export const hourMs = 60 * 60 * 1000;

export function publicKeyOf(seed: number): Uint8Array {
  return new Uint8Array(32).fill(seed % 256);
}

/** The state as plain, order-independent data, for comparing two states. */
export function canonicalState(state: EngineState): unknown {
  const voters = [...state.voters]
    .map(([name, voter]) => [
      name,
      voter.group,
      Buffer.from(voter.publicKey).toString('hex'),
      voter.registration,
    ])
    .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
  const officials = [...state.officials]
    .map(([name, official]) => [name, Buffer.from(official.publicKey).toString('hex'), official.registration])
    .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
  const elections = [...state.elections.values()]
    .map((election) => ({
      name: election.name,
      groups: [...election.groups].sort(),
      choices: election.choices,
      endsAtMs: election.endsAtMs,
      createdAtMs: election.createdAtMs,
      tallies: election.tallies,
      voted: [...election.voted].sort(),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
  return { lastSeq: state.lastSeq, lastAtMs: state.lastAtMs, voters, officials, elections };
}
