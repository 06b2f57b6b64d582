/** Messages between the bench and its gRPC load worker processes (over the IPC channel). */

export type LoadMode = 'vote' | 'login';

export interface WorkerSetup {
  readonly type: 'setup';
  readonly address: string;
  readonly mode: LoadMode;
  readonly workerIndex: number;
  readonly clients: number;
  /** Voters per client; each client signs them in during setup. */
  readonly votersPerClient: number;
  /** Put before every voter name, so that several runs can register new voters on one station. */
  readonly voterPrefix: string;
  /** Elections to vote in, in order; each client's voters vote once in each. */
  readonly elections: readonly string[];
  /**
   * False for the no-op baseline: nothing is registered and tokens are random
   * bytes of the length a real token for the same name has, so every request
   * has the same size as against the station.
   */
  readonly realStation: boolean;
}

export interface WorkerGo {
  readonly type: 'go';
  /** Wall-clock times (Date.now()), shared by all workers on this machine. */
  readonly measureFromEpochMs: number;
  readonly endAtEpochMs: number;
}

export type ToWorker = WorkerSetup | WorkerGo;

export interface WorkerReady {
  readonly type: 'ready';
}

export interface WorkerResult {
  readonly type: 'result';
  /** Successful calls (votes acknowledged with code 0, or PreAuth+Auth pairs) started in the window. */
  readonly calls: number;
  /** Latency in ms of each call counted in `calls`. */
  readonly latencies: Float64Array;
  /** Calls in the window that did not succeed, by cause. */
  readonly failures: Readonly<Record<string, number>>;
  /** Clients that ran out of (election, voter) pairs before the end. */
  readonly exhaustedClients: number;
}

export interface WorkerFailed {
  readonly type: 'failed';
  readonly message: string;
}

export type FromWorker = WorkerReady | WorkerResult | WorkerFailed;

function hasType(value: unknown): value is { readonly type: unknown } {
  return typeof value === 'object' && value !== null && 'type' in value;
}

export function isToWorker(value: unknown): value is ToWorker {
  return hasType(value) && (value.type === 'setup' || value.type === 'go');
}

export function isFromWorker(value: unknown): value is FromWorker {
  return hasType(value) && (value.type === 'ready' || value.type === 'result' || value.type === 'failed');
}
