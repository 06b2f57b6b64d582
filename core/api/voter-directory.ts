/**
 * The register as officials page through it: sorted by name, searched by a
 * case-insensitive substring of the name or group. The sorted register is
 * built on first use (not at start-up, which must stay quick at a million
 * voters) and then follows the station's changes; a search's matches are
 * kept so that paging through them does not scan the register again.
 */
import type { EngineState } from '../engine/state.ts';
import type { StateChange } from '../station/station.ts';
import type { VoterPage, VoterSummary } from './interface-api.ts';
import { SortedRegister } from './sorted-register.ts';

export class VoterDirectory {
  private register: SortedRegister | null = null;
  /** The last seq reflected in `register` when it was built; later changes are applied to it. */
  private builtAtSeq = 0;
  /** Changes with every change of the register, so kept search results know they are stale. */
  private version = 0;
  private lastSearch: {
    readonly search: string;
    readonly version: number;
    readonly matches: readonly VoterSummary[];
  } | null = null;

  constructor(private readonly state: () => EngineState) {}

  /** Follows a change of the station's state; true if the register changed. */
  follow(change: StateChange): boolean {
    if (change.type === 'reset') {
      this.register = null;
      this.version += 1;
      return true;
    }
    const command = change.command;
    if (command.kind !== 'register-voter' && command.kind !== 'unregister-voter') return false;
    this.version += 1;
    // Built from a state that already held this command: nothing to add.
    if (this.register === null || change.seq <= this.builtAtSeq) return true;
    if (command.kind === 'register-voter') this.register.add(command.name, command.group);
    else this.register.delete(command.name);
    return true;
  }

  page(search: string, offset: number, limit: number): VoterPage {
    const register = this.sortedRegister();
    if (search === '') return { total: register.size, voters: register.slice(offset, limit) };
    const matches = this.matching(register, search);
    return { total: matches.length, voters: matches.slice(offset, offset + limit) };
  }

  private sortedRegister(): SortedRegister {
    if (this.register === null) {
      const state = this.state();
      this.register = SortedRegister.from(state.voters);
      this.builtAtSeq = state.lastSeq;
    }
    return this.register;
  }

  private matching(register: SortedRegister, search: string): readonly VoterSummary[] {
    if (this.lastSearch?.search === search && this.lastSearch.version === this.version) {
      return this.lastSearch.matches;
    }
    // A case-insensitive regular expression was quicker than lower-casing every name and group.
    const pattern = new RegExp(search.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'iu');
    const matches = register.filter((name, group) => pattern.test(name) || pattern.test(group));
    this.lastSearch = { search, version: this.version, matches };
    return matches;
  }
}
