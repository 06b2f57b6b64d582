/**
 * A station's connection to its witness: dials it (again after every loss),
 * sends requests and hands each the answer with the same request id. An
 * unanswered request counts as failed after a while, and the connection is
 * then dropped and dialled anew (a frozen witness must not hold a station up).
 */
import type { Logger } from '../logging/logger.ts';
import type { PeerChannel } from '../replication/peer-channel.ts';
import type { Timers } from '../station/environment.ts';
import {
  decodeWitnessMessage,
  encodeWitnessMessage,
  isWitnessRequest,
  type WitnessReply,
  type WitnessRequest,
} from './witness-messages.ts';

export interface WitnessClientOptions {
  readonly address: string;
  readonly dial: (address: string) => Promise<PeerChannel>;
  readonly timers: Timers;
  readonly logger: Logger;
  /** Pause between two connection attempts. */
  readonly retryMs: number;
  /** A request unanswered for this long fails, and the connection is dropped. */
  readonly requestTimeoutMs: number;
  readonly onConnectionChange: (connected: boolean) => void;
}

interface Pending {
  readonly resolve: (reply: WitnessReply | null) => void;
  readonly cancelTimeout: () => void;
}

export class WitnessClient {
  private channel: PeerChannel | null = null;
  private dialing = false;
  private stopped = true;
  private nextRequestId = 1;
  private readonly pending = new Map<number, Pending>();
  private cancelRetry: (() => void) | null = null;
  /** Failed dials are logged once until the next success. */
  private failureLogged = false;

  constructor(private readonly options: WitnessClientOptions) {}

  get connected(): boolean {
    return this.channel !== null;
  }

  get address(): string {
    return this.options.address;
  }

  start(): void {
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.cancelRetry?.();
    this.cancelRetry = null;
    const channel = this.channel;
    this.channel = null;
    channel?.close();
    this.failPending();
  }

  /**
   * Sends the request `build` makes with a fresh id; resolves with the answer, or with null if
   * there is no connection, it breaks, or no answer comes in time.
   */
  request(build: (requestId: number) => WitnessRequest): Promise<WitnessReply | null> {
    const channel = this.channel;
    if (channel === null) return Promise.resolve(null);
    const requestId = this.nextRequestId;
    this.nextRequestId += 1;
    return new Promise((resolve) => {
      const cancelTimeout = this.options.timers.schedule(() => {
        if (!this.pending.delete(requestId)) return;
        resolve(null);
        if (this.channel === channel) {
          this.options.logger.log('warn', 'quorum-witness-lost', 'the witness did not answer in time', {
            witness: this.options.address,
            timeoutMs: this.options.requestTimeoutMs,
          });
          this.drop(channel);
        }
      }, this.options.requestTimeoutMs);
      this.pending.set(requestId, { resolve, cancelTimeout });
      channel.send(encodeWitnessMessage(build(requestId)));
    });
  }

  private connect(): void {
    if (this.stopped || this.dialing || this.channel !== null) return;
    this.dialing = true;
    this.options.dial(this.options.address).then(
      (channel) => {
        this.dialing = false;
        if (this.stopped) {
          channel.close();
          return;
        }
        this.attach(channel);
      },
      (error: unknown) => {
        this.dialing = false;
        if (!this.failureLogged) {
          this.failureLogged = true;
          this.options.logger.log('warn', 'quorum-witness-lost', 'the witness cannot be reached', {
            witness: this.options.address,
            error: error instanceof Error ? error.message : String(error),
          });
        }
        this.scheduleRetry();
      },
    );
  }

  private attach(channel: PeerChannel): void {
    channel.onClose((reason) => {
      if (this.channel !== channel) return;
      this.channel = null;
      this.failPending();
      this.options.logger.log('warn', 'quorum-witness-lost', 'the connection to the witness is gone', {
        witness: this.options.address,
        reason,
      });
      this.failureLogged = true;
      this.options.onConnectionChange(false);
      this.scheduleRetry();
    });
    channel.onMessage((bytes) => {
      let reply: WitnessReply;
      try {
        const message = decodeWitnessMessage(bytes);
        if (isWitnessRequest(message)) throw new Error(`a witness does not send ${message.type}`);
        reply = message;
      } catch (error) {
        this.options.logger.log('warn', 'quorum-witness-lost', 'the witness sent a malformed message', {
          witness: this.options.address,
          error: (error as Error).message,
        });
        this.drop(channel);
        return;
      }
      const waiting = this.pending.get(reply.requestId);
      if (waiting === undefined) return;
      this.pending.delete(reply.requestId);
      waiting.cancelTimeout();
      waiting.resolve(reply);
    });
    this.channel = channel;
    this.failureLogged = false;
    this.options.logger.log('info', 'quorum-witness-connected', 'connected to the witness', {
      witness: this.options.address,
    });
    this.options.onConnectionChange(true);
  }

  /** Gives up on `channel` at once (its close handler reports the loss and dials again). */
  private drop(channel: PeerChannel): void {
    channel.close();
    if (this.channel !== channel) return;
    this.channel = null;
    this.failPending();
    this.options.onConnectionChange(false);
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.stopped) return;
    this.cancelRetry?.();
    this.cancelRetry = this.options.timers.schedule(() => {
      this.cancelRetry = null;
      this.connect();
    }, this.options.retryMs);
  }

  private failPending(): void {
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const waiting of pending) {
      waiting.cancelTimeout();
      waiting.resolve(null);
    }
  }
}
