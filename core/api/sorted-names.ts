/**
 * A set of names kept in sorted order (UTF-16 code units, as `Array.prototype.sort`)
 * under insertion and removal without ever sorting it again: blocks of at
 * most `blockMax` names, each sorted, the blocks in order. An update costs a
 * binary search and a copy within one block; finding the n-th name walks the
 * block sizes (about two thousand blocks at a million names).
 */
const blockMax = 1_024;

export class SortedNames {
  private readonly blocks: string[][] = [];
  private count = 0;

  /** The names of `names` (each once), sorted once. */
  static from(names: Iterable<string>): SortedNames {
    const sorted = new SortedNames();
    const all = [...new Set(names)].sort();
    // Half-full blocks leave room to insert before the first split.
    for (let start = 0; start < all.length; start += blockMax / 2) {
      sorted.blocks.push(all.slice(start, start + blockMax / 2));
    }
    sorted.count = all.length;
    return sorted;
  }

  get size(): number {
    return this.count;
  }

  /** Adds `name`; false if it was there already. */
  add(name: string): boolean {
    const blockIndex = Math.min(this.blockFor(name), this.blocks.length - 1);
    const block = this.blocks[blockIndex];
    if (block === undefined) {
      this.blocks.push([name]);
      this.count += 1;
      return true;
    }
    const index = lowerBound(block, name);
    if (block[index] === name) return false;
    block.splice(index, 0, name);
    this.count += 1;
    if (block.length > blockMax) this.blocks.splice(blockIndex + 1, 0, block.splice(blockMax / 2));
    return true;
  }

  /** Removes `name`; false if it was not there. */
  delete(name: string): boolean {
    const blockIndex = this.blockFor(name);
    const block = this.blocks[blockIndex];
    if (block === undefined) return false;
    const index = lowerBound(block, name);
    if (block[index] !== name) return false;
    block.splice(index, 1);
    this.count -= 1;
    if (block.length === 0) this.blocks.splice(blockIndex, 1);
    return true;
  }

  /** Up to `limit` names from position `offset`, in order. */
  slice(offset: number, limit: number): string[] {
    const names: string[] = [];
    let skip = offset;
    for (const block of this.blocks) {
      if (names.length >= limit) break;
      if (skip >= block.length) {
        skip -= block.length;
        continue;
      }
      names.push(...block.slice(skip, skip + limit - names.length));
      skip = 0;
    }
    return names;
  }

  *[Symbol.iterator](): IterableIterator<string> {
    for (const block of this.blocks) yield* block;
  }

  /** The index of the first block whose last name is not before `name` (`blocks.length` if none). */
  private blockFor(name: string): number {
    let low = 0;
    let high = this.blocks.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const last = this.blocks[middle]?.at(-1) ?? '';
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
