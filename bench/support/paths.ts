/** Where things are, relative to the repository. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const benchDir = path.join(repoRoot, 'bench');
/** The real station command, exactly as operators run it (it runs in its own process, no wrapper). */
export const evoteBin = path.join(repoRoot, 'node_modules/.bin/evote');
/** The script behind it, to run it under a chosen `node` with flags (e.g. --cpu-prof). */
export const evoteScript = path.join(repoRoot, 'bin/evote.js');
