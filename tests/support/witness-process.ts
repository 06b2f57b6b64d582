/**
 * A witness run as a real `evote witness` process, for tests: start it on a
 * free loopback port, wait for its `witness: HOST:PORT` line, collect its
 * output, stop it with a chosen signal (SIGSTOP/SIGCONT to freeze it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { evoteCommand, freePort, type ProcessExit } from './station-process.ts';

export interface WitnessProcess {
  readonly process: ChildProcess;
  readonly pid: number;
  /** HOST:PORT from its `witness: ` line. */
  readonly address: string;
  logs(): string;
  stdout(): string;
  hasExited(): boolean;
  /** Sends `signal` (default SIGTERM) and waits for the exit; SIGKILL after `timeoutMs`. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<ProcessExit>;
  waitForExit(): Promise<ProcessExit>;
}

export interface WitnessProcessOptions {
  readonly dataDir: string;
  readonly pairKey: string;
  /** The port to listen on (127.0.0.1); default a free one. */
  readonly port?: number;
  readonly startTimeoutMs?: number;
}

const witnessLinePrefix = 'witness: ';
const running = new Set<WitnessProcess>();

export async function startWitnessProcess(options: WitnessProcessOptions): Promise<WitnessProcess> {
  const port = options.port ?? (await freePort());
  const args = [
    'witness',
    '--sync',
    `127.0.0.1:${port}`,
    '--pair-key',
    options.pairKey,
    '--data',
    options.dataDir,
  ];
  const child = spawn(evoteCommand(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdoutText = '';
  let stderrText = '';
  let exit: ProcessExit | null = null;
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderrText += chunk;
  });
  const exited = new Promise<ProcessExit>((resolve) => {
    child.once('close', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    });
  });
  const listening = new Promise<string>((resolve) => {
    child.stdout.on('data', (chunk: string) => {
      stdoutText += chunk;
      const line = stdoutText.split('\n').find((candidate) => candidate.startsWith(witnessLinePrefix));
      if (line !== undefined) resolve(line.slice(witnessLinePrefix.length).trim());
    });
  });
  const describe = (): string =>
    `command: evote ${args.join(' ')}\n--- stdout ---\n${stdoutText}\n--- stderr ---\n${stderrText}`;
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    listening.then((address) => ({ kind: 'listening' as const, address })),
    exited.then((processExit) => ({ kind: 'exited' as const, processExit })),
    new Promise<{ kind: 'timeout' }>((resolve) => {
      timer = setTimeout(() => {
        resolve({ kind: 'timeout' });
      }, options.startTimeoutMs ?? 30_000);
    }),
  ]);
  clearTimeout(timer);
  if (outcome.kind === 'timeout') {
    child.kill('SIGKILL');
    await exited;
    throw new Error(`the witness did not print "${witnessLinePrefix}" in time\n${describe()}`);
  }
  if (outcome.kind === 'exited') throw new Error(`the witness exited before listening\n${describe()}`);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`the witness has no pid\n${describe()}`);
  const witness: WitnessProcess = {
    process: child,
    pid,
    address: outcome.address,
    logs: () => stderrText,
    stdout: () => stdoutText,
    hasExited: () => exit !== null,
    waitForExit: () => exited,
    async stop(signal = 'SIGTERM', timeoutMs = 15_000) {
      if (exit !== null) return exit;
      // A frozen process must run again to handle the signal (SIGKILL needs no such help).
      if (signal !== 'SIGKILL') child.kill('SIGCONT');
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
        throw new Error(`the witness did not exit within ${timeoutMs} ms of ${signal}\n${describe()}`);
      }
      return result;
    },
  };
  running.add(witness);
  void exited.then(() => running.delete(witness));
  return witness;
}

/** Kills every witness this module started that still runs (for afterEach). */
export async function killRunningWitnesses(): Promise<void> {
  await Promise.all([...running].map((witness) => witness.stop('SIGKILL')));
}
