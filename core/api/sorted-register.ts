/**
 * The register sorted by name (UTF-16 code units, as `Array.prototype.sort`),
 * each name with its group, kept in order under registration and
 * unregistration without ever sorting it again: blocks of at most `blockMax`
 * voters, each sorted, the blocks in order. An update costs a binary search
 * and a copy within one block; finding the n-th voter walks the block sizes
 * (about two thousand blocks at a million voters). Groups sit beside the
 * names so that listing and searching never look voters up one by one.
 */
import type { VoterSummary } from './interface-api.ts';

const blockMax = 1_024;

interface Block {
  readonly names: string[];
  /** `groups[i]` is the group of `names[i]`. */
  readonly groups: string[];
}

export class SortedRegister {
  private readonly blocks: Block[] = [];
  private count = 0;

  /** The register of `voters`, sorted once. */
  static from(voters: ReadonlyMap<string, { readonly group: string }>): SortedRegister {
    // Sorting the names alone with the built-in order (no comparator to call) was quicker at a
    // million voters than sorting name-group pairs with a comparator; the groups are looked up after.
    const names = [...voters.keys()].sort();
    const register = new SortedRegister();
    // Half-full blocks leave room to insert before the first split.
    for (let start = 0; start < names.length; start += blockMax / 2) {
      const part = names.slice(start, start + blockMax / 2);
      register.blocks.push({ names: part, groups: part.map((name) => voters.get(name)?.group ?? '') });
    }
    register.count = names.length;
    return register;
  }

  get size(): number {
    return this.count;
  }

  /** Adds the voter; false if the name was there already (nothing changes). */
  add(name: string, group: string): boolean {
    const blockIndex = Math.min(this.blockFor(name), this.blocks.length - 1);
    const block = this.blocks[blockIndex];
    if (block === undefined) {
      this.blocks.push({ names: [name], groups: [group] });
      this.count += 1;
      return true;
    }
    const index = lowerBound(block.names, name);
    if (block.names[index] === name) return false;
    block.names.splice(index, 0, name);
    block.groups.splice(index, 0, group);
    this.count += 1;
    if (block.names.length > blockMax) {
      const half = blockMax / 2;
      this.blocks.splice(blockIndex + 1, 0, {
        names: block.names.splice(half),
        groups: block.groups.splice(half),
      });
    }
    return true;
  }

  /** Removes the voter; false if the name was not there. */
  delete(name: string): boolean {
    const blockIndex = this.blockFor(name);
    const block = this.blocks[blockIndex];
    if (block === undefined) return false;
    const index = lowerBound(block.names, name);
    if (block.names[index] !== name) return false;
    block.names.splice(index, 1);
    block.groups.splice(index, 1);
    this.count -= 1;
    if (block.names.length === 0) this.blocks.splice(blockIndex, 1);
    return true;
  }

  /** Up to `limit` voters from position `offset`, in order. */
  slice(offset: number, limit: number): VoterSummary[] {
    const voters: VoterSummary[] = [];
    let skip = offset;
    for (const block of this.blocks) {
      if (voters.length >= limit) break;
      if (skip >= block.names.length) {
        skip -= block.names.length;
        continue;
      }
      const end = Math.min(block.names.length, skip + limit - voters.length);
      for (let index = skip; index < end; index += 1) {
        voters.push({ name: block.names[index] ?? '', group: block.groups[index] ?? '' });
      }
      skip = 0;
    }
    return voters;
  }

  /** Every voter for whom `matches` holds, in order. */
  filter(matches: (name: string, group: string) => boolean): VoterSummary[] {
    const voters: VoterSummary[] = [];
    for (const { names, groups } of this.blocks) {
      names.forEach((name, index) => {
        const group = groups[index] ?? '';
        if (matches(name, group)) voters.push({ name, group });
      });
    }
    return voters;
  }

  /** The index of the first block whose last name is not before `name` (`blocks.length` if none). */
  private blockFor(name: string): number {
    let low = 0;
    let high = this.blocks.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const last = this.blocks[middle]?.names.at(-1) ?? '';
      if (last < name) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}

/** The index of the first name in sorted `names` that is not before `name`. */
function lowerBound(names: readonly string[], name: string): number {
  let low = 0;
  let high = names.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((names[middle] ?? '') < name) low = middle + 1;
    else high = middle;
  }
  return low;
}
