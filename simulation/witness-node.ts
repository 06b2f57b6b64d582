/**
 * The witness machine of a simulated cluster: the real witness rules
 * (core/witness/witness-core.ts) and the real witness messages, served as
 * core/witness/witness-server.ts serves them: one request at a time across
 * all connections, every change of state made durable (atomic replace,
 * flushed) before the answer goes out, a malformed message or a reply sent
 * to the witness costing the connection. It runs on a machine of its own
 * with its own simulated disk and clock (the grantor's clock of its leases),
 * and crashes, loses power and restarts as a station does (member.ts).
 *
 * What differs from the server: the secure channel (the simulated network's
 * channels carry the bytes as they are) and where the state is kept, since
 * core/witness/witness-state.ts reads and writes the real disk only: here it
 * is the same file (`witness.json`, same format, decoded by the same
 * `decodeWitnessState`) on the simulated disk.
 */
import { writeFileAtomic } from '../core/store/atomic-file.ts';
import type { FileSystem } from '../core/store/file-system.ts';
import type { PeerChannel } from '../core/replication/peer-channel.ts';
import { WitnessCore, type WitnessDecision } from '../core/witness/witness-core.ts';
import {
  decodeWitnessMessage,
  encodeWitnessMessage,
  isWitnessRequest,
  type WitnessRequest,
} from '../core/witness/witness-messages.ts';
import { decodeWitnessState, initialWitnessState, type WitnessState } from '../core/witness/witness-state.ts';
import { SimMember, type MachineOptions } from './member.ts';

/** Where the witness keeps its state on its simulated disk. */
export const witnessDir = '/evote-simulated/witness';
const stateFileName = 'witness.json';
const stateFile = `${witnessDir}/${stateFileName}`;
/** The format witness-state.ts writes (its version and a cluster id; one cluster here). */
const stateVersion = 1;
const clusterId = 'simulated-cluster';

export interface WitnessNodeOptions extends MachineOptions {
  /** A start that failed: the witness refused what its disk kept. */
  readonly onStartFailed: (error: unknown) => void;
  /**
   * A rule broken on purpose (`--break witness-stale-epoch`): the witness
   * skips its epoch check on lease requests, renewing the lease of a primary
   * of an older epoch as if it held the newest.
   */
  readonly grantsStaleLeases?: boolean;
}

export class WitnessNode extends SimMember {
  private core: WitnessCore | null = null;
  /** Requests are decided one at a time, each after the previous one's state is durable. */
  private queue: Promise<void> = Promise.resolve();
  private readonly open = new Set<PeerChannel>();
  private accepting = false;

  constructor(private readonly options: WitnessNodeOptions) {
    super(options);
  }

  /** What the witness holds now (null while it is down or starting). */
  get witnessState(): WitnessState | null {
    return this.core?.state ?? null;
  }

  start(): void {
    const begun = this.beginStart();
    if (begun === null) return;
    const { incarnation } = begun;
    const { clock, disk, trace } = this.options;
    const files = disk.mount();
    const starting = async (): Promise<void> => {
      const stored = await readState(files);
      if (incarnation !== this.incarnation) return;
      const core = new WitnessCore(stored, clock.nowMs());
      this.core = core;
      this.queue = Promise.resolve();
      this.accepting = true;
      this.listen({
        accept: (channel) => {
          this.accept(channel, core, files, incarnation);
        },
      });
      this.state = 'up';
      trace.add(`${this.name} up epoch=${stored.epoch} synced=${stored.synced === null ? 'none' : 'set'}`);
    };
    starting().catch((error: unknown) => {
      if (incarnation !== this.incarnation) return;
      trace.add(`${this.name} start failed: ${error instanceof Error ? error.message : String(error)}`);
      this.options.onStartFailed(error);
    });
  }

  protected async shutDown(): Promise<void> {
    // As the server's stop: no new request, every connection closed, the one in hand finished.
    this.accepting = false;
    for (const channel of [...this.open]) channel.close();
    await this.queue;
  }

  protected forget(): void {
    this.core = null;
    this.accepting = false;
    this.open.clear();
  }

  private accept(channel: PeerChannel, core: WitnessCore, files: FileSystem, incarnation: number): void {
    const logger = this.logger();
    this.open.add(channel);
    channel.onClose(() => this.open.delete(channel));
    channel.onMessage((bytes) => {
      let request: WitnessRequest;
      try {
        const message = decodeWitnessMessage(bytes);
        if (!isWitnessRequest(message)) throw new Error(`a station does not send ${message.type}`);
        request = message;
      } catch (error) {
        logger.log('warn', 'witness-request-rejected', 'a malformed message was refused', {
          error: error instanceof Error ? error.message : String(error),
        });
        channel.close();
        return;
      }
      this.queue = this.queue
        .then(() => this.decide(channel, core, files, incarnation, request))
        .catch((error: unknown) => {
          logger.log('error', 'internal-error', 'the witness failed to handle a request', {
            error: error instanceof Error ? error.message : String(error),
          });
        });
    });
  }

  private async decide(
    channel: PeerChannel,
    core: WitnessCore,
    files: FileSystem,
    incarnation: number,
    request: WitnessRequest,
  ): Promise<void> {
    if (!this.accepting || incarnation !== this.incarnation || !this.open.has(channel)) return;
    if (
      this.options.grantsStaleLeases === true &&
      request.type === 'lease-request' &&
      request.epoch < core.state.epoch
    ) {
      this.options.trace.add(
        `${this.name} broken rule: lease of ${request.stationId} in older epoch ${request.epoch} granted`,
      );
      const { requestId, epoch, durationMs, synced } = request;
      channel.send(encodeWitnessMessage({ type: 'lease-granted', requestId, epoch, durationMs, synced }));
      return;
    }
    const decision = core.decide(request, this.options.clock.nowMs());
    // Unanswered if the state cannot be made durable: the station asks again.
    if (decision.nextState !== null) await writeState(files, decision.nextState);
    if (incarnation !== this.incarnation) return;
    core.apply(decision);
    this.note(decision);
    channel.send(encodeWitnessMessage(decision.reply));
  }

  private note(decision: WitnessDecision): void {
    const event = decision.event;
    if (event === null) return;
    const trace = this.options.trace;
    switch (event.kind) {
      case 'refused':
        trace.add(
          `${this.name} refused a ${event.request} of ${event.stationId} for epoch ${event.epoch}: ${event.reason}`,
        );
        return;
      case 'vote-granted':
        trace.add(`${this.name} voted for ${event.stationId} in epoch ${event.epoch}`);
        this.count('witness-vote-granted');
        return;
      case 'released':
        trace.add(`${this.name} lease of epoch ${event.epoch} released by ${event.stationId}`);
        return;
      case 'synced-changed':
        trace.add(`${this.name} synced of epoch ${event.epoch}: ${event.synced ?? 'none'}`);
        return;
    }
  }

  private count(event: string): void {
    const key = `info ${event}`;
    this.options.logCounts.set(key, (this.options.logCounts.get(key) ?? 0) + 1);
  }
}

async function readState(files: FileSystem): Promise<WitnessState> {
  // A disk that never held a state (a new witness) starts afresh.
  if (!(await files.readdir(witnessDir)).includes(stateFileName)) return initialWitnessState;
  return decodeWitnessState(JSON.parse(await files.readFile(stateFile, 'utf8'))).state;
}

function writeState(files: FileSystem, state: WitnessState): Promise<void> {
  const stored = { version: stateVersion, clusterId, ...state };
  return writeFileAtomic(stateFile, JSON.stringify(stored) + '\n', { fileSystem: files });
}
