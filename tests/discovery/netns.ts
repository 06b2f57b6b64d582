/**
 * Network namespaces for tests that multicast. mDNS must never be sent from
 * this machine's own network namespace (it would leave the machine), so every
 * process that multicasts runs inside a namespace made here, linked only to
 * its twin by a veth pair, and every namespace is removed afterwards: by
 * `remove()`, by `removeAllNamespaces()` in an afterAll, and as a last resort
 * when the test process exits. Names carry the test process's pid
 * (`evt-<pid>-…`), so leftovers of a killed run are recognised and removed by
 * the next one.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const namePrefix = 'evt-';
/** Linux's limit on interface names (IFNAMSIZ - 1); veth ends are named like their namespaces. */
const maxInterfaceName = 15;

export interface NetworkPair {
  readonly nsA: string;
  readonly nsB: string;
  readonly addressA: string;
  readonly addressB: string;
  /** Deletes the veth pair under running processes, as when a network adapter is unplugged. */
  removeLink(): void;
  /** Stops the processes started in the two namespaces, then deletes them (and so the veth pair). */
  remove(): Promise<void>;
}

export interface NetworkPairOptions {
  /** Whether each side gets a route for 224.0.0.0/4; without one, sending multicast fails. Default: both. */
  readonly multicastRoute?: { readonly a: boolean; readonly b: boolean };
}

export interface IsolatedNamespace {
  readonly ns: string;
  remove(): Promise<void>;
}

export interface NamespaceProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly stdoutLines: readonly string[];
  readonly stderrLines: readonly string[];
  readonly exit: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>;
  /** Resolves with the first stdout line (already seen or to come) that matches. */
  waitForLine(
    predicate: (line: string) => boolean,
    timeoutMs: number,
    stream?: 'stdout' | 'stderr',
  ): Promise<string>;
  /** Writes one line to the process's stdin. */
  send(line: string): void;
}

/** Tells a child the network namespace of the test process, so it can refuse to run there. */
export const testNamespaceVariable = 'EVOTE_TEST_PARENT_NETNS';

const createdNamespaces = new Set<string>();
const processesByNamespace = new Map<string, Set<NamespaceProcess>>();
let counter = 0;
let staleSwept = false;

/** A fresh name prefix for this test process, e.g. `evt-1234-3`. */
export function uniquePrefix(): string {
  counter += 1;
  return `${namePrefix}${process.pid}-${counter}`;
}

/** Why namespaces cannot be used here, or null if they can (so a test can skip with that reason). */
export function namespacesSupported(): string | null {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'creating network namespaces needs root';
  if (spawnSync('ip', ['-V']).error !== undefined) return 'the `ip` command (iproute2) is not installed';
  const probe = uniquePrefix();
  const added = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (added.status !== 0) return `ip netns add failed: ${added.stderr.trim()}`;
  try {
    const veth = spawnSync(
      'ip',
      ['-n', probe, 'link', 'add', `${probe}-a`, 'type', 'veth', 'peer', 'name', `${probe}-b`],
      {
        encoding: 'utf8',
      },
    );
    if (veth.status !== 0) return `cannot create a veth pair: ${veth.stderr.trim()}`;
  } finally {
    spawnSync('ip', ['netns', 'del', probe]);
  }
  return null;
}

/** Two namespaces joined by a veth pair (10.77.0.1/24 and 10.77.0.2/24), lo and veth up. */
export async function createNetworkPair(
  prefix: string,
  options: NetworkPairOptions = {},
): Promise<NetworkPair> {
  const nsA = `${prefix}-a`;
  const nsB = `${prefix}-b`;
  if (nsA.length > maxInterfaceName)
    throw new RangeError(`prefix ${prefix} is too long for an interface name`);
  const addressA = '10.77.0.1';
  const addressB = '10.77.0.2';
  const route = options.multicastRoute ?? { a: true, b: true };
  removeStaleNamespaces();
  addNamespace(nsA);
  try {
    addNamespace(nsB);
    // Created directly inside the namespaces: the default namespace never holds either end.
    ip(['-n', nsA, 'link', 'add', nsA, 'type', 'veth', 'peer', 'name', nsB, 'netns', nsB]);
    for (const [ns, address, withRoute] of [
      [nsA, addressA, route.a],
      [nsB, addressB, route.b],
    ] as const) {
      ip(['-n', ns, 'addr', 'add', `${address}/24`, 'dev', ns]);
      ip(['-n', ns, 'link', 'set', 'lo', 'up']);
      ip(['-n', ns, 'link', 'set', ns, 'up']);
      if (withRoute) ip(['-n', ns, 'route', 'add', '224.0.0.0/4', 'dev', ns]);
    }
    // Node lists (and multicast-dns joins) only interfaces that are up and running.
    await Promise.all([waitForCarrier(nsA, nsA), waitForCarrier(nsB, nsB)]);
  } catch (error) {
    deleteNamespaceSync(nsA);
    deleteNamespaceSync(nsB);
    throw error;
  }
  return {
    nsA,
    nsB,
    addressA,
    addressB,
    removeLink() {
      ip(['-n', nsA, 'link', 'del', nsA]);
    },
    async remove() {
      await Promise.all([removeNamespace(nsA), removeNamespace(nsB)]);
    },
  };
}

/** A namespace `${prefix}-${suffix}` with no network at all: only lo, and lo down. */
export function createIsolatedNamespace(prefix: string, suffix = 'x'): IsolatedNamespace {
  const ns = `${prefix}-${suffix}`;
  removeStaleNamespaces();
  addNamespace(ns);
  return {
    ns,
    remove: () => removeNamespace(ns),
  };
}

/** Runs `node --import tsx <script> ...args` inside a namespace made by this module. */
export function runInNamespace(
  ns: string,
  scriptPath: string,
  args: readonly string[] = [],
): NamespaceProcess {
  return execInNamespace(ns, [process.execPath, '--import', 'tsx', scriptPath, ...args]);
}

/** Runs a command inside a namespace made by this module (`ip netns exec` execs it: same pid). */
export function execInNamespace(ns: string, command: readonly string[]): NamespaceProcess {
  if (!createdNamespaces.has(ns)) throw new Error(`${ns} was not made by this test: refusing to run there`);
  const child = spawn('ip', ['netns', 'exec', ns, ...command], {
    cwd: repoRoot,
    env: { ...process.env, [testNamespaceVariable]: readlinkSync('/proc/self/ns/net') },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines = { stdout: [] as string[], stderr: [] as string[] };
  const waiters = new Set<() => void>();
  for (const stream of ['stdout', 'stderr'] as const) {
    let pending = '';
    child[stream].setEncoding('utf8');
    child[stream].on('data', (chunk: string) => {
      pending += chunk;
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      lines[stream].push(...parts);
      for (const wake of waiters) wake();
    });
  }
  let exited = false;
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      exited = true;
      for (const wake of waiters) wake();
      resolve({ code, signal });
    });
    child.on('error', () => {
      exited = true;
      resolve({ code: null, signal: null });
    });
  });
  // A stdin write to a process that has exited must not fail the test run.
  child.stdin.on('error', () => undefined);
  const handle: NamespaceProcess = {
    child,
    stdoutLines: lines.stdout,
    stderrLines: lines.stderr,
    exit,
    waitForLine(predicate, timeoutMs, stream = 'stdout') {
      return new Promise((resolve, reject) => {
        let seen = 0;
        const check = (): void => {
          const source = lines[stream];
          for (; seen < source.length; seen += 1) {
            const line = source[seen];
            if (line !== undefined && predicate(line)) {
              finish();
              resolve(line);
              return;
            }
          }
          if (exited) {
            finish();
            reject(new Error(`process exited before the line came; stderr:\n${lines.stderr.join('\n')}`));
          }
        };
        const timer = setTimeout(() => {
          finish();
          reject(
            new Error(
              `no matching ${stream} line within ${timeoutMs} ms; stdout:\n${lines.stdout.join('\n')}\nstderr:\n${lines.stderr.join('\n')}`,
            ),
          );
        }, timeoutMs);
        const finish = (): void => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    send(line) {
      child.stdin.write(`${line}\n`);
    },
  };
  let started = processesByNamespace.get(ns);
  if (started === undefined) {
    started = new Set();
    processesByNamespace.set(ns, started);
  }
  started.add(handle);
  return handle;
}

/** The names of all network namespaces on this machine. */
export function listNamespaces(): string[] {
  const listed = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  return listed.stdout
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => name !== '');
}

/** Removes every namespace this test process made (for an afterAll). */
export async function removeAllNamespaces(): Promise<void> {
  await Promise.all([...createdNamespaces].map((ns) => removeNamespace(ns)));
}

function addNamespace(ns: string): void {
  ip(['netns', 'add', ns]);
  createdNamespaces.add(ns);
}

async function removeNamespace(ns: string): Promise<void> {
  const started = processesByNamespace.get(ns) ?? new Set<NamespaceProcess>();
  await Promise.all(
    [...started].map(async (handle) => {
      if (handle.child.exitCode === null && handle.child.signalCode === null) handle.child.kill('SIGKILL');
      await handle.exit;
    }),
  );
  processesByNamespace.delete(ns);
  deleteNamespaceSync(ns);
}

function deleteNamespaceSync(ns: string): void {
  // Deleting the namespace deletes the veth end in it, and with it the pair.
  spawnSync('ip', ['netns', 'del', ns]);
  createdNamespaces.delete(ns);
}

/** Deletes namespaces left by earlier test processes that were killed before cleaning up. */
function removeStaleNamespaces(): void {
  if (staleSwept) return;
  staleSwept = true;
  for (const ns of listNamespaces()) {
    if (isStale(ns)) spawnSync('ip', ['netns', 'del', ns]);
  }
  // Links a test made into this namespace (named like its namespaces): deleting one end deletes the pair.
  const links = spawnSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).stdout;
  for (const match of links.matchAll(/^\d+: (evt-[^:@\s]+)/gm)) {
    const link = match[1] ?? '';
    if (isStale(link)) spawnSync('ip', ['link', 'del', 'dev', link]);
  }
}

/** Whether `name` (`evt-<pid>-…`) belongs to a test process that no longer runs. */
function isStale(name: string): boolean {
  const match = /^evt-(\d+)-/.exec(name);
  return match !== null && Number(match[1]) !== process.pid && !isAlive(Number(match[1]));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Waits until `device` in `ns` is up with a carrier (LOWER_UP); throws after 5 s. */
export async function waitForCarrier(ns: string, device: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const shown = spawnSync('ip', ['-n', ns, 'link', 'show', 'dev', device], { encoding: 'utf8' });
    if (/[<,]LOWER_UP[,>]/.test(shown.stdout)) return;
    if (Date.now() > deadline)
      throw new Error(`${device} in ${ns} has no carrier: ${shown.stdout}${shown.stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Runs `ip ...args`; throws with its error output if it fails. */
export function ip(args: readonly string[]): void {
  runCommand('ip', args);
}

/** Runs a command to its end (e.g. `tc`); throws with its error output if it fails. */
export function runCommand(command: string, args: readonly string[]): void {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.error !== undefined) throw result.error;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr.trim()}`);
}

// Last resort if a test process ends without its afterAll: nothing outlives it.
process.on('exit', () => {
  for (const started of processesByNamespace.values()) {
    for (const handle of started) {
      if (handle.child.exitCode === null && handle.child.signalCode === null) handle.child.kill('SIGKILL');
    }
  }
  for (const ns of createdNamespaces) spawnSync('ip', ['netns', 'del', ns]);
});
