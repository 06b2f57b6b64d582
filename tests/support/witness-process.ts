/**
 * A witness run as a real `evote witness` process, for tests: start it on a
 * free loopback port, wait for its `witness: HOST:PORT` line, collect its
 * output, stop it with a chosen signal (SIGSTOP/SIGCONT to freeze it).
 */
import { freePort, startEvoteProcess, trackUntilExit, type EvoteProcess } from './station-process.ts';

export interface WitnessProcess extends Omit<EvoteProcess, 'readyValue'> {
  /** HOST:PORT from its `witness: ` line. */
  readonly address: string;
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
  const started = await startEvoteProcess({
    args: [
      'witness',
      '--sync',
      `127.0.0.1:${port}`,
      '--pair-key',
      options.pairKey,
      '--data',
      options.dataDir,
    ],
    readyLinePrefix: witnessLinePrefix,
    name: 'the witness',
    resumeBeforeStop: true,
    startTimeoutMs: options.startTimeoutMs,
  });
  const { readyValue, ...rest } = started;
  return trackUntilExit(running, { ...rest, address: readyValue });
}

/** Kills every witness this module started that still runs (for afterEach). */
export async function killRunningWitnesses(): Promise<void> {
  await Promise.all([...running].map((witness) => witness.stop('SIGKILL')));
}
