/**
 * A gRPC server in a child process (the real station, or the no-op baseline):
 * started, timed until it prints `grpc: HOST:PORT`, measured, and stopped.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { isRunning, type Scope } from './cleanup.ts';
import { benchDir, evoteBin, evoteScript, repoRoot } from './paths.ts';
import { nowMs } from './timing.ts';

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** HOST:PORT as the server printed it. */
  readonly address: string;
  /** From spawn to the `grpc:` line. */
  readonly readyMs: number;
  /** Standard error lines so far (the station's JSON log), the most recent 2,000. */
  readonly stderrLines: readonly string[];
  /** The first standard output line matching `pattern` (already printed or still to come). */
  stdoutLine(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** SIGTERM, then waits for the exit; SIGKILL after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<StopResult>;
}

export interface StopResult {
  readonly ms: number;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

const stderrKept = 2_000;

/**
 * Set EVOTE_BENCH_CPU_PROF=DIR to run every station under `node --cpu-prof`
 * (profiles land in DIR when a station stops cleanly; not on SIGKILL).
 */
const cpuProfileDir = process.env['EVOTE_BENCH_CPU_PROF'] ?? '';

export function startStationProcess(
  scope: Scope,
  dataDir: string,
  extraArgs: readonly string[] = [],
  label = 'station',
): Promise<ServerProcess> {
  const args = ['station', '--data', dataDir, '--grpc', '127.0.0.1:0', ...extraArgs];
  if (cpuProfileDir === '') return startServerProcess(scope, evoteBin, args, label);
  return startServerProcess(
    scope,
    process.execPath,
    ['--cpu-prof', '--cpu-prof-dir', cpuProfileDir, evoteScript, ...args],
    label,
  );
}

export function startNoopServer(scope: Scope): Promise<ServerProcess> {
  return startServerProcess(
    scope,
    process.execPath,
    ['--import', 'tsx', path.join(benchDir, 'noop-grpc-server.ts')],
    'no-op server',
  );
}

export async function startServerProcess(
  scope: Scope,
  command: string,
  args: readonly string[],
  label: string,
  readyTimeoutMs = 120_000,
): Promise<ServerProcess> {
  const stderrLines: string[] = [];
  const stdoutLines: string[] = [];
  const stdoutWaiters = new Set<(line: string) => void>();
  const start = nowMs();
  const child = spawn(command, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  scope.adopt(child);
  const exited = new Promise<StopResult>((resolve) => {
    child.once('exit', (code, signal) => {
      resolve({ ms: nowMs(), code, signal });
    });
  });
  createInterface({ input: child.stderr }).on('line', (line) => {
    stderrLines.push(line);
    if (stderrLines.length > stderrKept) stderrLines.shift();
  });
  const address = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`${label} did not print its grpc address within ${readyTimeoutMs} ms`));
    }, readyTimeoutMs);
    const fail = (): void => {
      clearTimeout(timer);
      reject(new Error(`${label} exited before serving: ${stderrLines.slice(-5).join('\n')}`));
    };
    child.once('exit', fail);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (stdoutLines.length < stderrKept) stdoutLines.push(line);
      for (const waiter of stdoutWaiters) waiter(line);
      const match = /^grpc: (\S+)$/.exec(line);
      if (match?.[1] === undefined) return;
      clearTimeout(timer);
      child.off('exit', fail);
      resolve(match[1]);
    });
  });
  const readyMs = nowMs() - start;
  const pid = child.pid ?? -1;
  return {
    child,
    pid,
    address,
    readyMs,
    stderrLines,
    stdoutLine(pattern, timeoutMs = 10_000) {
      for (const line of stdoutLines) {
        const match = pattern.exec(line);
        if (match !== null) return Promise.resolve(match);
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          stdoutWaiters.delete(waiter);
          reject(new Error(`${label} printed no line matching ${String(pattern)} within ${timeoutMs} ms`));
        }, timeoutMs);
        const waiter = (line: string): void => {
          const match = pattern.exec(line);
          if (match === null) return;
          clearTimeout(timer);
          stdoutWaiters.delete(waiter);
          resolve(match);
        };
        stdoutWaiters.add(waiter);
      });
    },
    async stop(timeoutMs = 60_000) {
      const stopStart = nowMs();
      if (!isRunning(child)) {
        const result = await exited;
        return { ...result, ms: 0 };
      }
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const result = await exited;
      clearTimeout(timer);
      return { ...result, ms: result.ms - stopStart };
    },
  };
}

/** The station's JSON log lines (stderr) that parse, e.g. to find its own start-up timings. */
export function parseLogLines(lines: readonly string[]): Readonly<Record<string, unknown>>[] {
  const entries: Readonly<Record<string, unknown>>[] = [];
  for (const line of lines) {
    try {
      const value: unknown = JSON.parse(line);
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
        entries.push(value as Readonly<Record<string, unknown>>);
      }
    } catch {
      // Not a JSON log line (e.g. a Node warning): ignored.
    }
  }
  return entries;
}

/** Warnings and errors the server logged, for printing. */
export function loggedProblems(lines: readonly string[]): string[] {
  return parseLogLines(lines)
    .filter((entry) => entry['level'] === 'warn' || entry['level'] === 'error')
    .map((entry) => JSON.stringify(entry).slice(0, 300));
}

/** Warnings and errors the server logged at or after `fromEpochMs` (wall clock), for printing. */
export function problemsSince(lines: readonly string[], fromEpochMs: number): string[] {
  return parseLogLines(lines)
    .filter((entry) => entry['level'] === 'warn' || entry['level'] === 'error')
    .filter((entry) => typeof entry['time'] === 'string' && Date.parse(entry['time']) >= fromEpochMs)
    .map((entry) => JSON.stringify(entry).slice(0, 300));
}

/** Milliseconds between two log events by their `time` fields, or NaN. */
export function loggedInterval(lines: readonly string[], fromEvent: string, toEvent: string): number {
  const entries = parseLogLines(lines);
  const timeOf = (event: string): number => {
    const entry = entries.findLast((candidate) => candidate['event'] === event);
    const time = entry?.['time'];
    return typeof time === 'string' ? Date.parse(time) : NaN;
  };
  return timeOf(toEvent) - timeOf(fromEvent);
}
