/**
 * Drives gRPC load from worker processes. On a small machine one bench
 * process cannot both run 64 grpc-js clients and leave the server its share
 * of the CPU without becoming the bottleneck itself, so the clients are
 * spread over a few worker processes (each holding several channels, one
 * connection and one call in flight per client). The same set-up drives the
 * station and the no-op baseline.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { killAndWait, type Scope } from './cleanup.ts';
import { isFromWorker, type FromWorker, type LoadMode, type WorkerResult } from './load-protocol.ts';
import { benchDir, repoRoot } from './paths.ts';
import { readProcessCpuMs } from './proc-status.ts';
import { LatencySamples } from './timing.ts';

export interface LoadPlan {
  readonly address: string;
  readonly mode: LoadMode;
  readonly workers: number;
  readonly clientsPerWorker: number;
  readonly votersPerClient: number;
  /** Put before every voter name (default none): runs on one station need new voters each. */
  readonly voterPrefix?: string;
  readonly elections: readonly string[];
  readonly realStation: boolean;
  readonly warmupMs: number;
  readonly durationMs: number;
  /** The server's pid, to measure the CPU time it used in the window. */
  readonly serverPid: number;
  /** Other processes whose CPU time in the window is reported too (e.g. a backup station). */
  readonly watchPids?: readonly number[];
}

export interface LoadResult {
  readonly calls: number;
  readonly perSecond: number;
  /** Sorted ascending, ms. */
  readonly latencies: Float64Array;
  readonly failures: ReadonlyMap<string, number>;
  readonly exhaustedClients: number;
  readonly setupMs: number;
  /** CPU time the server used during the measured window, per successful call, in µs. */
  readonly serverCpuPerCallUs: number;
  /** CPU time all load workers used during the measured window, per successful call, in µs. */
  readonly clientCpuPerCallUs: number;
  /** CPU time each of `watchPids` used during the measured window, per successful call, in µs. */
  readonly watchedCpuPerCallUs: readonly number[];
}

const setupTimeoutMs = 300_000;

class Worker {
  private readonly inbox: FromWorker[] = [];
  private waiter: ((message: FromWorker) => void) | null = null;
  private exitError: Error | null = null;

  constructor(readonly child: ChildProcess) {
    child.on('message', (message: unknown) => {
      if (!isFromWorker(message)) return;
      if (this.waiter === null) {
        this.inbox.push(message);
      } else {
        const waiter = this.waiter;
        this.waiter = null;
        waiter(message);
      }
    });
    child.once('exit', (code, signal) => {
      this.exitError = new Error(`load worker exited (${signal ?? String(code)})`);
      this.waiter?.({ type: 'failed', message: this.exitError.message });
      this.waiter = null;
    });
  }

  async next(timeoutMs: number): Promise<FromWorker> {
    const queued = this.inbox.shift();
    if (queued !== undefined) return queued;
    if (this.exitError !== null) throw this.exitError;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        reject(new Error(`load worker did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiter = (message) => {
        clearTimeout(timer);
        resolve(message);
      };
    });
  }

  async expect<Type extends FromWorker['type']>(
    type: Type,
    timeoutMs: number,
  ): Promise<Extract<FromWorker, { type: Type }>> {
    const message = await this.next(timeoutMs);
    if (message.type === 'failed') throw new Error(`load worker failed: ${message.message}`);
    if (message.type !== type) throw new Error(`load worker sent ${message.type}, expected ${type}`);
    return message as Extract<FromWorker, { type: Type }>;
  }
}

export async function runLoad(scope: Scope, plan: LoadPlan): Promise<LoadResult> {
  const workers = Array.from({ length: plan.workers }, () => {
    const child = fork(path.join(benchDir, 'grpc-load-worker.ts'), [], {
      cwd: repoRoot,
      execArgv: ['--import', 'tsx'],
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    scope.adopt(child);
    return new Worker(child);
  });
  try {
    const setupStart = Date.now();
    workers.forEach((worker, workerIndex) => {
      worker.child.send({
        type: 'setup',
        address: plan.address,
        mode: plan.mode,
        workerIndex,
        clients: plan.clientsPerWorker,
        votersPerClient: plan.votersPerClient,
        voterPrefix: plan.voterPrefix ?? '',
        elections: plan.elections,
        realStation: plan.realStation,
      });
    });
    await Promise.all(workers.map((worker) => worker.expect('ready', setupTimeoutMs)));
    const setupMs = Date.now() - setupStart;

    const measureFromEpochMs = Date.now() + plan.warmupMs;
    const endAtEpochMs = measureFromEpochMs + plan.durationMs;
    for (const worker of workers) worker.child.send({ type: 'go', measureFromEpochMs, endAtEpochMs });
    interface CpuSample {
      readonly server: number;
      readonly clients: number;
      readonly watched: readonly number[];
    }
    const cpuOf = (): CpuSample => ({
      server: readProcessCpuMs(plan.serverPid),
      clients: workers.reduce((sum, worker) => sum + readProcessCpuMs(worker.child.pid ?? -1), 0),
      watched: (plan.watchPids ?? []).map((pid) => readProcessCpuMs(pid)),
    });
    const cpuAt = (epochMs: number): Promise<CpuSample> =>
      new Promise((resolve) => {
        setTimeout(
          () => {
            resolve(cpuOf());
          },
          Math.max(0, epochMs - Date.now()),
        );
      });
    const cpuSamples = Promise.all([cpuAt(measureFromEpochMs), cpuAt(endAtEpochMs)]);
    const results: WorkerResult[] = await Promise.all(
      workers.map((worker) => worker.expect('result', plan.warmupMs + plan.durationMs + 60_000)),
    );

    const [cpuFrom, cpuTo] = await cpuSamples;
    const latencies = new LatencySamples();
    const failures = new Map<string, number>();
    let calls = 0;
    let exhaustedClients = 0;
    for (const result of results) {
      calls += result.calls;
      exhaustedClients += result.exhaustedClients;
      latencies.pushAll(result.latencies);
      for (const [cause, count] of Object.entries(result.failures)) {
        failures.set(cause, (failures.get(cause) ?? 0) + count);
      }
    }
    return {
      calls,
      perSecond: calls / (plan.durationMs / 1000),
      latencies: latencies.sorted(),
      failures,
      exhaustedClients,
      setupMs,
      serverCpuPerCallUs: ((cpuTo.server - cpuFrom.server) * 1000) / calls,
      clientCpuPerCallUs: ((cpuTo.clients - cpuFrom.clients) * 1000) / calls,
      watchedCpuPerCallUs: cpuTo.watched.map(
        (ms, index) => ((ms - (cpuFrom.watched[index] ?? NaN)) * 1000) / calls,
      ),
    };
  } finally {
    await Promise.all(
      workers.map(async (worker) => {
        if (worker.child.connected) worker.child.disconnect();
        await killAndWait(worker.child, 'SIGTERM');
      }),
    );
  }
}
