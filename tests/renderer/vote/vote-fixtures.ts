/** Changes to the fake station's elections that the kiosk tests make behind the voter's back. */
import type { FakeElection, FakeInterfaceApi } from '../support/fake-api.ts';

export function changeElection(api: FakeInterfaceApi, name: string, change: Partial<FakeElection>): void {
  const election = api.elections.get(name);
  if (election === undefined) throw new Error(`no election ${name}`);
  api.elections.set(name, { ...election, ...change });
}

/** Ends the election now, as if its end date had just passed. */
export function closeElection(api: FakeInterfaceApi, name: string): void {
  changeElection(api, name, { endsAtMs: api.nowMs });
}
