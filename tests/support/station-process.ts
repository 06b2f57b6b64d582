/**
 * A station run as a real `evote station` process, for tests that talk to it
 * over gRPC or kill it (crash tests): pick a free port, start it, wait until
 * it serves, collect its output, stop it with a chosen signal.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';

export interface StationProcessOptions {
  /** The station's data directory (`--data`). */
  readonly dataDir: string;
  /** HOST:PORT to serve gRPC on (`--grpc`); default 127.0.0.1 on a free port. */
  readonly grpcAddress?: string;
  /** More arguments after `station --data DIR --grpc ADDRESS`. */
  readonly extraArgs?: readonly string[];
  /** Environment of the process; default this process's environment. */
  readonly env?: NodeJS.ProcessEnv;
  /** How long to wait for the `grpc: ` line before giving up; default 30 s. */
  readonly startTimeoutMs?: number;
  /** The `evote` executable; default node_modules/.bin/evote of the working directory. */
  readonly command?: string;
}

export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface StationProcess extends Omit<EvoteProcess, 'readyValue'> {
  /** HOST:PORT the station said it serves on (its `grpc: ` line). */
  readonly grpcAddress: string;
}

const grpcLinePrefix = 'grpc: ';

/** Stations started by this module that have not exited yet. */
const running = new Set<StationProcess>();

/** The `evote` executable of this checkout. */
export function evoteCommand(): string {
  return path.resolve('node_modules/.bin/evote');
}

/** A TCP port that was free a moment ago on `host`. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host, port: 0 }, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('could not read the address of a listening socket'));
        return;
      }
      server.close(() => {
        resolve(address.port);
      });
    });
  });
}

/** 127.0.0.1 on a free port, as HOST:PORT. */
export async function freeLoopbackAddress(): Promise<string> {
  return `127.0.0.1:${await freePort('127.0.0.1')}`;
}

/** What to start with {@link startEvoteProcess}. */
export interface EvoteProcessOptions {
  /** Arguments after the executable. */
  readonly args: readonly string[];
  /** The line on stdout that says the process is ready; its rest is the ready value (e.g. HOST:PORT). */
  readonly readyLinePrefix: string;
  /** What the process is, for error messages ("the station"). */
  readonly name: string;
  /** Environment of the process; default this process's environment. */
  readonly env?: NodeJS.ProcessEnv | undefined;
  /** How long to wait for the ready line before giving up; default 30 s. */
  readonly startTimeoutMs?: number | undefined;
  /** The `evote` executable; default node_modules/.bin/evote of the working directory. */
  readonly command?: string | undefined;
  /** Send SIGCONT before any stopping signal but SIGKILL, so a frozen (SIGSTOP) process can handle it. */
  readonly resumeBeforeStop?: boolean;
}

/** A running `evote` process started by {@link startEvoteProcess}. */
export interface EvoteProcess {
  readonly process: ChildProcess;
  readonly pid: number;
  /** The rest of the ready line (after its prefix), trimmed. */
  readonly readyValue: string;
  /** Everything the process wrote to stderr so far (JSON log lines). */
  logs(): string;
  /** Everything the process wrote to stdout so far. */
  stdout(): string;
  /** Whether the process has exited. */
  hasExited(): boolean;
  /**
   * Sends `signal` (default SIGTERM) unless the process has already exited,
   * and resolves once it has exited. If it is still running after `timeoutMs`
   * (default 15 s) it is killed with SIGKILL and the promise rejects.
   */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<ProcessExit>;
  /** Resolves when the process exits (at once if it already has). */
  waitForExit(): Promise<ProcessExit>;
}

/**
 * Starts `evote ...args` and resolves once it printed its ready line. Rejects
 * (with the process's output) if it exits first or is not ready in time; the
 * process is then killed.
 */
export async function startEvoteProcess(options: EvoteProcessOptions): Promise<EvoteProcess> {
  const { args, readyLinePrefix, name } = options;
  const command = options.command ?? evoteCommand();
  const child = spawn(command, args, {
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });

  let stdoutText = '';
  let stderrText = '';
  let exit: ProcessExit | null = null;
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderrText += chunk;
  });
  const exited = new Promise<ProcessExit>((resolve) => {
    // 'close' rather than 'exit': the output is complete by then.
    child.once('close', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    });
  });
  const spawnFailed = new Promise<never>((_resolve, reject) => {
    child.once('error', reject);
  });
  spawnFailed.catch(() => undefined);

  const describeOutput = (): string =>
    `command: ${command} ${args.join(' ')}\n` +
    `--- stdout ---\n${stdoutText}\n--- stderr ---\n${stderrText}`;

  type StartOutcome =
    | { readonly kind: 'ready'; readonly value: string }
    | { readonly kind: 'exited'; readonly exit: ProcessExit }
    | { readonly kind: 'timeout' };

  const ready = new Promise<StartOutcome>((resolve) => {
    let pending = '';
    child.stdout.on('data', (chunk: string) => {
      stdoutText += chunk;
      pending += chunk;
      let newline = pending.indexOf('\n');
      while (newline >= 0) {
        const line = pending.slice(0, newline).replace(/\r$/, '');
        pending = pending.slice(newline + 1);
        if (line.startsWith(readyLinePrefix)) {
          resolve({ kind: 'ready', value: line.slice(readyLinePrefix.length).trim() });
        }
        newline = pending.indexOf('\n');
      }
    });
  });

  const startTimeoutMs = options.startTimeoutMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<StartOutcome>((resolve) => {
    timer = setTimeout(() => {
      resolve({ kind: 'timeout' });
    }, startTimeoutMs);
  });

  let outcome: StartOutcome;
  try {
    outcome = await Promise.race([
      ready,
      exited.then((exit): StartOutcome => ({ kind: 'exited', exit })),
      timedOut,
      spawnFailed,
    ]);
  } catch (error) {
    throw new Error(`could not start ${name}: ${String(error)}\n${describeOutput()}`, { cause: error });
  } finally {
    clearTimeout(timer);
  }
  if (outcome.kind === 'timeout') {
    child.kill('SIGKILL');
    await exited;
    throw new Error(
      `${name} did not print "${readyLinePrefix}" within ${startTimeoutMs} ms\n${describeOutput()}`,
    );
  }
  if (outcome.kind === 'exited') {
    throw new Error(
      `${name} exited (code ${String(outcome.exit.code)}, signal ${String(outcome.exit.signal)}) ` +
        `before it was ready\n${describeOutput()}`,
    );
  }
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${name} has no pid\n${describeOutput()}`);

  return {
    process: child,
    pid,
    readyValue: outcome.value,
    logs: () => stderrText,
    stdout: () => stdoutText,
    hasExited: () => exit !== null,
    waitForExit: () => exited,
    async stop(signal = 'SIGTERM', timeoutMs = 15_000) {
      if (exit !== null) return exit;
      if (options.resumeBeforeStop === true && signal !== 'SIGKILL') child.kill('SIGCONT');
      child.kill(signal);
      let stopTimer: NodeJS.Timeout | undefined;
      const result = await Promise.race([
        exited,
        new Promise<'timeout'>((resolve) => {
          stopTimer = setTimeout(() => {
            resolve('timeout');
          }, timeoutMs);
        }),
      ]);
      clearTimeout(stopTimer);
      if (result === 'timeout') {
        child.kill('SIGKILL');
        await exited;
        throw new Error(
          `${name} (pid ${pid}) did not exit within ${timeoutMs} ms of ${signal}; killed it\n${describeOutput()}`,
        );
      }
      return result;
    },
  };
}

/**
 * Starts `evote station --data DIR --grpc ADDRESS ...extraArgs` and resolves
 * once it printed its `grpc: ` line. Rejects (with the station's output) if it
 * exits first or does not serve in time; the process is then killed.
 */
export async function startStation(options: StationProcessOptions): Promise<StationProcess> {
  const requestedAddress = options.grpcAddress ?? (await freeLoopbackAddress());
  const started = await startEvoteProcess({
    args: ['station', '--data', options.dataDir, '--grpc', requestedAddress, ...(options.extraArgs ?? [])],
    readyLinePrefix: grpcLinePrefix,
    name: 'the station',
    env: options.env,
    startTimeoutMs: options.startTimeoutMs,
    command: options.command,
  });
  const { readyValue, ...rest } = started;
  return trackUntilExit(running, { ...rest, grpcAddress: readyValue });
}

/** Keeps `started` in `running` until it exits (for a kill-all after each test); returns it. */
export function trackUntilExit<T extends Pick<EvoteProcess, 'waitForExit'>>(running: Set<T>, started: T): T {
  running.add(started);
  void started.waitForExit().then(() => running.delete(started));
  return started;
}

/**
 * Kills (SIGKILL) every station this module started that is still running,
 * and waits for them to exit. For `afterEach`/`afterAll`, so a failed test
 * leaves no process behind.
 */
export async function killRunningStations(): Promise<void> {
  await Promise.all([...running].map((station) => station.stop('SIGKILL')));
}

/** What `evote` printed when run to its end. */
export interface CommandOutcome extends ProcessExit {
  readonly stdout: string;
  readonly stderr: string;
}

/** How {@link runToEnd} runs a command. */
export interface RunToEndOptions {
  /** Environment of the process; default this process's environment. */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * What happens past the time limit: the process is killed with SIGKILL and
   * the promise rejects ('reject', the default) or resolves with the output,
   * a note on stderr that it was killed ('resolve').
   */
  readonly onTimeout?: 'reject' | 'resolve';
}

/** Runs `command ...args` to its end and collects its output; see {@link RunToEndOptions} for the time limit. */
export function runToEnd(
  command: string,
  args: readonly string[],
  timeoutMs: number,
  options: RunToEndOptions = {},
): Promise<CommandOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      if (options.onTimeout === 'resolve') {
        stderr += `\n[killed after ${timeoutMs} ms]`;
        return;
      }
      reject(
        new Error(`${command} ${args.join(' ')} did not exit within ${timeoutMs} ms:\n${stdout}\n${stderr}`),
      );
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Runs `evote ...args` to its end, e.g. for a command expected to refuse; rejects if it runs past `timeoutMs`. */
export function runEvote(args: readonly string[], timeoutMs = 20_000): Promise<CommandOutcome> {
  return runToEnd(evoteCommand(), args, timeoutMs);
}

/** One line of a station's JSON log (stderr). */
export interface LogEntry {
  readonly level?: string;
  readonly event?: string;
  readonly message?: string;
  readonly [field: string]: unknown;
}

/** A station's log lines parsed; lines that are not JSON are left out. */
export function parseLogLines(lines: readonly string[]): LogEntry[] {
  return lines.flatMap((line) => {
    if (!line.startsWith('{')) return [];
    try {
      return [JSON.parse(line) as LogEntry];
    } catch {
      return [];
    }
  });
}
