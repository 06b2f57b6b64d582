/** A benchmark section: one file each under bench/, run in order by main.ts. */
import type { Scope } from './cleanup.ts';

export interface BenchOptions {
  /** A small-scale run for developers (well under a minute in all). */
  readonly quick: boolean;
}

export interface Section {
  /** The name `--only` selects it by. */
  readonly name: string;
  readonly title: string;
  /** Prints its figures; everything it sets up is registered with `scope`, which main.ts closes. */
  run(options: BenchOptions, scope: Scope): Promise<void>;
}
