/**
 * The register as officials page through it: sorted by name, searched by a
 * case-insensitive substring of the name or group. The sorted index is built
 * on first use (not at start-up, which must stay quick at a million voters)
 * and then follows the station's changes; a search's matches are kept so that
 * paging through them does not scan the register again.
 */
import type { EngineState } from '../engine/state.ts';
import type { StateChange } from '../station/station.ts';
import type { VoterPage, VoterSummary } from './interface-api.ts';
import { SortedNames } from './sorted-names.ts';

export class VoterDirectory {
  private names: SortedNames | null = null;
  /** The last seq reflected in `names` when it was built; later changes are applied to it. */
  private builtAtSeq = 0;
  /** Changes with every change of the register, so kept search results know they are stale. */
  private version = 0;
  private lastSearch: {
    readonly search: string;
    readonly version: number;
    readonly matches: readonly string[];
  } | null = null;

  constructor(private readonly state: () => EngineState) {}

  /** Follows a change of the station's state; true if the register changed. */
  follow(change: StateChange): boolean {
    if (change.type === 'reset') {
      this.names = null;
      this.version += 1;
      return true;
    }
    const command = change.command;
    if (command.kind !== 'register-voter' && command.kind !== 'unregister-voter') return false;
    this.version += 1;
    // Built from a state that already held this command: nothing to add.
    if (this.names === null || change.seq <= this.builtAtSeq) return true;
    if (command.kind === 'register-voter') this.names.add(command.name);
    else this.names.delete(command.name);
    return true;
  }

  page(search: string, offset: number, limit: number): VoterPage {
    const names = this.sortedNames();
    if (search === '') return { total: names.size, voters: this.summaries(names.slice(offset, limit)) };
    const matches = this.matching(names, search);
    return { total: matches.length, voters: this.summaries(matches.slice(offset, offset + limit)) };
  }

  private sortedNames(): SortedNames {
    if (this.names === null) {
      const state = this.state();
      this.names = SortedNames.from(state.voters.keys());
      this.builtAtSeq = state.lastSeq;
    }
    return this.names;
  }

  private matching(names: SortedNames, search: string): readonly string[] {
    if (this.lastSearch?.search === search && this.lastSearch.version === this.version) {
      return this.lastSearch.matches;
    }
    const needle = search.toLowerCase();
    const voters = this.state().voters;
    // A few groups hold many voters: each group is lower-cased and tested once per search.
    const groupMatches = new Map<string, boolean>();
    const matches: string[] = [];
    for (const name of names) {
      const group = voters.get(name)?.group;
      if (group === undefined) continue;
      let groupMatch = groupMatches.get(group);
      if (groupMatch === undefined) {
        groupMatch = group.toLowerCase().includes(needle);
        groupMatches.set(group, groupMatch);
      }
      if (groupMatch || name.toLowerCase().includes(needle)) matches.push(name);
    }
    this.lastSearch = { search, version: this.version, matches };
    return matches;
  }

  /** Names whose voter is gone meanwhile (a change not yet reported) are left out. */
  private summaries(names: readonly string[]): VoterSummary[] {
    const voters = this.state().voters;
    return names.flatMap((name) => {
      const group = voters.get(name)?.group;
      return group === undefined ? [] : [{ name, group }];
    });
  }
}
