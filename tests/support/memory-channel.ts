/**
 * An in-memory `PeerChannel` pair for replication tests: what one end sends
 * is delivered to the other end's handlers asynchronously (one message per
 * `setImmediate`), in order. Like the secure channel, `send` returns false
 * once more than `highWaterBytes` wait to be delivered, `drained()` resolves
 * when that queue is empty (and rejects once the channel is closed), `close()`
 * delivers what is queued and then closes both ends, and `onClose` handlers
 * hear why.
 *
 * Test hooks: every message sent is decoded and kept (`sent`, `delivered`,
 * `countSent`), `cutAfter` breaks the pair right after delivering a matching
 * message (dropping whatever is still queued), `pauseAfter` stalls delivery
 * after one (as a stalled network would) until `resume()` or `cut()`.
 */
import { decodeReplicationMessage, type ReplicationMessage } from '../../core/replication/messages.ts';
import type { PeerChannel } from '../../core/replication/peer-channel.ts';

export interface ChannelPairOptions {
  /** `send` returns false once more than this many bytes are queued in one direction. */
  readonly highWaterBytes?: number;
  /** The remote addresses the two ends report: [that of a's peer, that of b's peer]. */
  readonly remoteAddresses?: readonly [string, string];
}

export type MessagePredicate = (message: ReplicationMessage) => boolean;

/** Matches the `n`th message (from 1) of `type` that the predicate is asked about. */
export function nthOfType(type: ReplicationMessage['type'], n: number): MessagePredicate {
  let seen = 0;
  return (message) => {
    if (message.type !== type) return false;
    seen += 1;
    return seen === n;
  };
}

const defaultHighWaterBytes = 256 * 1024;

interface Outgoing {
  readonly bytes: Uint8Array;
  /** Null if the bytes are not a valid replication message. */
  readonly message: ReplicationMessage | null;
}

interface DrainWaiter {
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

export class MemoryChannel implements PeerChannel {
  /** Every message this end sent while open, decoded, in order (undecodable ones are left out). */
  readonly sent: ReplicationMessage[] = [];
  /** The messages of `sent` that reached the other end's handlers. */
  readonly delivered: ReplicationMessage[] = [];
  private other: MemoryChannel | null = null;
  private readonly outbox: Outgoing[] = [];
  private outboxBytes = 0;
  private readonly messageHandlers: ((message: Uint8Array) => void)[] = [];
  private readonly closeHandlers: ((reason: string) => void)[] = [];
  private drainWaiters: DrainWaiter[] = [];
  private scheduled = false;
  /** close() was called here: nothing more is received, what is queued is still delivered. */
  private closing = false;
  private closedReason: string | null = null;
  private paused = false;
  private cutPredicate: MessagePredicate | null = null;
  private pausePredicate: MessagePredicate | null = null;

  constructor(
    readonly remoteAddress: string,
    private readonly highWaterBytes: number,
  ) {}

  /** @internal Links the two ends; called once by createChannelPair. */
  connect(other: MemoryChannel): void {
    this.other = other;
  }

  /** True once close() was called on this end or the pair was closed. */
  get isClosed(): boolean {
    return this.closing || this.closedReason !== null;
  }

  /** Why this end closed, or null while it is open. */
  get closeReason(): string | null {
    return this.closedReason;
  }

  /** How many messages of `type` this end sent. */
  countSent(type: ReplicationMessage['type']): number {
    return this.sent.filter((message) => message.type === type).length;
  }

  send(message: Uint8Array): boolean {
    if (this.isClosed) return false;
    const bytes = Uint8Array.from(message);
    let decoded: ReplicationMessage | null;
    try {
      decoded = decodeReplicationMessage(bytes);
    } catch {
      decoded = null;
    }
    if (decoded !== null) this.sent.push(decoded);
    this.outbox.push({ bytes, message: decoded });
    this.outboxBytes += bytes.length;
    this.schedule();
    return this.outboxBytes <= this.highWaterBytes;
  }

  drained(): Promise<void> {
    if (this.isClosed) return Promise.reject(new Error('the memory channel is closed'));
    if (this.outbox.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => this.drainWaiters.push({ resolve, reject }));
  }

  onMessage(handler: (message: Uint8Array) => void): void {
    this.messageHandlers.push(handler);
    // Delivery to this end starts with its first handler, so nothing is lost before it.
    if (this.messageHandlers.length === 1) this.other?.schedule();
  }

  onClose(handler: (reason: string) => void): void {
    if (this.closedReason !== null) {
      handler(this.closedReason);
      return;
    }
    this.closeHandlers.push(handler);
  }

  /** Delivers what this end queued, then closes both ends. */
  close(): void {
    if (this.isClosed) return;
    this.closing = true;
    if (this.outbox.length === 0 || this.paused) this.shutdown('closed locally', 'closed by the peer');
  }

  /** Breaks the pair at once, as a network failure would: whatever is queued either way is lost. */
  cut(reason = 'connection reset (cut by the test)'): void {
    this.shutdown(reason, reason);
  }

  /** Cuts the pair right after a message from this end matching `predicate` is delivered. */
  cutAfter(predicate: MessagePredicate): void {
    this.cutPredicate = predicate;
  }

  /** Stops delivering from this end right after a message matching `predicate` is delivered. */
  pauseAfter(predicate: MessagePredicate): void {
    this.pausePredicate = predicate;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  resume(): void {
    this.paused = false;
    if (this.closing && this.outbox.length === 0) {
      this.shutdown('closed locally', 'closed by the peer');
      return;
    }
    this.schedule();
  }

  private schedule(): void {
    const other = this.other;
    if (this.scheduled || this.paused || this.closedReason !== null || this.outbox.length === 0) return;
    if (other === null || other.messageHandlers.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.deliverOne();
    });
  }

  private deliverOne(): void {
    const other = this.other;
    if (other === null || this.closedReason !== null || this.paused) return;
    const item = this.outbox.shift();
    if (item === undefined) return;
    this.outboxBytes -= item.bytes.length;
    // An end that called close() receives nothing more.
    if (!other.closing) {
      for (const handler of other.messageHandlers) {
        try {
          handler(item.bytes);
        } catch {
          this.shutdown('the peer failed on a message', 'message handler failed');
          return;
        }
        // The handler may have closed the channel.
        if (this.isShut()) return;
      }
      if (item.message !== null) {
        this.delivered.push(item.message);
        if (this.cutPredicate?.(item.message) === true) {
          this.cutPredicate = null;
          this.cut();
          return;
        }
        if (this.pausePredicate?.(item.message) === true) {
          this.pausePredicate = null;
          this.paused = true;
        }
      }
    }
    if (this.outbox.length === 0) {
      for (const waiter of this.drainWaiters.splice(0)) waiter.resolve();
      if (this.closing) {
        this.shutdown('closed locally', 'closed by the peer');
        return;
      }
    }
    this.schedule();
  }

  private isShut(): boolean {
    return this.closedReason !== null;
  }

  /** Closes both ends: this one with `reason`, the other with `otherReason`. */
  private shutdown(reason: string, otherReason: string): void {
    this.closeEnd(reason);
    this.other?.closeEnd(otherReason);
  }

  private closeEnd(reason: string): void {
    if (this.closedReason !== null) return;
    this.closedReason = reason;
    this.outbox.length = 0;
    this.outboxBytes = 0;
    const error = new Error(`the memory channel closed before its queue drained (${reason})`);
    for (const waiter of this.drainWaiters.splice(0)) waiter.reject(error);
    const handlers = this.closeHandlers.splice(0);
    // A socket reports its close from the event loop, never from inside the call that caused it.
    setImmediate(() => {
      for (const handler of handlers) handler(reason);
    });
  }
}

/** Two connected ends: what `a` sends reaches `b`'s handlers and the other way round. */
export function createChannelPair(options: ChannelPairOptions = {}): [MemoryChannel, MemoryChannel] {
  const highWaterBytes = options.highWaterBytes ?? defaultHighWaterBytes;
  const [aRemote, bRemote] = options.remoteAddresses ?? ['memory:b', 'memory:a'];
  const a = new MemoryChannel(aRemote, highWaterBytes);
  const b = new MemoryChannel(bRemote, highWaterBytes);
  a.connect(b);
  b.connect(a);
  return [a, b];
}
