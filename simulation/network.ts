/**
 * A simulated network of `PeerChannel`s between machines, modelled on what
 * the real channel is (TLS over TCP):
 *
 * - Within one connection messages arrive in order, exactly once, after a
 *   seeded latency; `send` reports back-pressure past a high-water mark and
 *   `drained` resolves once what was sent has been delivered.
 * - `close` sends a FIN after what is queued; the peer closes when it arrives.
 *   Data arriving at a closed end or at a machine whose process is gone is
 *   answered by a reset (RST). A process crash resets its connections; a
 *   machine crash says nothing at all.
 * - Faults, each seeded: latency spikes (`delay`); connection resets that drop
 *   what is in flight (`loss`: a lossy link costs a TLS connection, never a
 *   message inside one); resets after which the old connection goes on
 *   delivering what it had in flight, late, while a new one is already in use
 *   (`reorder`), or while the sender, told of the reset at once, resends on a
 *   new connection (`duplicate`): both happen across connections, never
 *   within one; partitions, both ways or one way, during which packets wait
 *   (TCP retransmits them once the link heals) and no connection can be made.
 *
 * Connection attempts take a round trip and time out after `connectTimeoutMs`
 * (as the real dial does) when the other machine is down or cut off.
 */
import type { PeerChannel } from '../core/replication/peer-channel.ts';
import type { EventLoop } from './event-loop.ts';
import type { Random } from './random.ts';

export const connectTimeoutMs = 2_000;
const highWaterBytes = 256 * 1024;

/** What a running process offers the network: where its connections go. */
export interface Listener {
  accept(channel: PeerChannel): void;
}

type MachineState = 'up' | 'process-down' | 'machine-down';

interface Machine {
  readonly name: string;
  readonly address: string;
  state: MachineState;
  /** Counts process starts; an end belongs to one of them. */
  incarnation: number;
  listener: Listener | null;
}

type Packet =
  | { readonly kind: 'data'; readonly bytes: Uint8Array; readyAtMs: number }
  | { readonly kind: 'fin'; readyAtMs: number }
  | { readonly kind: 'rst'; readyAtMs: number };

export interface NetworkOptions {
  readonly loop: EventLoop;
  readonly random: Random;
  /** Latency spikes on some messages. */
  readonly delay: boolean;
  /** Called for every fault the network injects itself (e.g. a delayed message). */
  readonly onFault: (kind: 'delay') => void;
  readonly trace: (line: string) => void;
  /**
   * Rewrites a message before `receiver` gets it; only for checking the
   * simulator with a deliberately broken rule (see simulation.ts).
   */
  readonly rewrite?: (receiver: string, bytes: Uint8Array) => Uint8Array;
}

export type ResetMode = 'loss' | 'reorder' | 'duplicate';

export class SimNetwork {
  private readonly machines = new Map<string, Machine>();
  private readonly connections = new Set<Connection>();
  /** Blocked directions, as `from>to`. */
  private readonly blocked = new Set<string>();
  private nextConnectionId = 1;

  constructor(readonly options: NetworkOptions) {}

  get loop(): EventLoop {
    return this.options.loop;
  }

  get random(): Random {
    return this.options.random;
  }

  addMachine(name: string, address: string): void {
    this.machines.set(name, { name, address, state: 'process-down', incarnation: 0, listener: null });
  }

  /** A process starts on `machine` and listens; returns its incarnation. */
  processUp(machine: string, listener: Listener): number {
    const entry = this.machine(machine);
    entry.state = 'up';
    entry.incarnation += 1;
    entry.listener = listener;
    return entry.incarnation;
  }

  /** The process on `machine` is gone (crashed, or stopped after closing its channels). */
  processDown(machine: string, kind: 'process' | 'machine' | 'stopped'): void {
    const entry = this.machine(machine);
    entry.state = kind === 'machine' ? 'machine-down' : 'process-down';
    entry.listener = null;
    for (const connection of [...this.connections]) {
      for (const end of connection.ends) {
        if (end.machine !== machine || end.dead) continue;
        // The kernel of a machine that still runs sends the FIN of a connection the process
        // closed, and resets one it left open; a machine that lost power sends nothing.
        const finishes = kind === 'stopped' || (kind === 'process' && end.closedLocally);
        end.die(!finishes);
        if (kind === 'process' && !finishes) end.outgoing.sendControl('rst');
      }
    }
  }

  isBlocked(from: string, to: string): boolean {
    return this.blocked.has(`${from}>${to}`);
  }

  /** Cuts `from` → `to` (and back, with `bothWays`) until the returned function heals it. */
  cut(from: string, to: string, bothWays: boolean): () => void {
    const keys = bothWays ? [`${from}>${to}`, `${to}>${from}`] : [`${from}>${to}`];
    const added = keys.filter((key) => !this.blocked.has(key));
    for (const key of added) this.blocked.add(key);
    return () => {
      for (const key of added) this.blocked.delete(key);
      for (const connection of this.connections) {
        for (const end of connection.ends) end.outgoing.healed();
      }
    };
  }

  healAll(): void {
    this.blocked.clear();
    for (const connection of this.connections) {
      for (const end of connection.ends) end.outgoing.healed();
    }
  }

  /** Opens a connection from a process on `from` to the machine at `address`. */
  dial(from: string, address: string): Promise<PeerChannel> {
    const source = this.machine(from);
    const incarnation = source.incarnation;
    const target = [...this.machines.values()].find((machine) => machine.address === address);
    return new Promise<PeerChannel>((resolve, reject) => {
      const fail = (code: string, afterMs: number): void => {
        this.loop.after(afterMs, () => {
          if (source.incarnation !== incarnation || source.state !== 'up') return;
          this.options.trace(`dial ${from}->${address} failed: ${code}`);
          reject(Object.assign(new Error(`connect ${code} ${address}`), { code }));
        });
      };
      if (target === undefined) {
        fail('ENOTFOUND', this.latencyMs());
        return;
      }
      const cutOff = (): boolean =>
        this.isBlocked(from, target.name) ||
        this.isBlocked(target.name, from) ||
        target.state === 'machine-down';
      if (cutOff()) {
        fail('ETIMEDOUT', connectTimeoutMs);
        return;
      }
      // TCP and TLS handshakes: two round trips.
      const handshakeMs = this.latencyMs() + this.latencyMs() + this.latencyMs() + this.latencyMs();
      this.options.trace(`dial ${from}->${address}`);
      this.loop.after(handshakeMs, () => {
        if (source.incarnation !== incarnation || source.state !== 'up') return;
        if (cutOff()) {
          fail('ETIMEDOUT', connectTimeoutMs);
          return;
        }
        const listener = target.listener;
        if (target.state !== 'up' || listener === null) {
          fail('ECONNREFUSED', 0);
          return;
        }
        const connection = new Connection(this, this.nextConnectionId++, source, target);
        this.connections.add(connection);
        this.options.trace(`connect #${connection.id} ${from}->${target.name}`);
        const [dialer, acceptor] = connection.ends;
        listener.accept(acceptor);
        resolve(dialer);
      });
    });
  }

  /** Open connections, oldest first. */
  openConnections(): Connection[] {
    return [...this.connections].filter((connection) => connection.ends.some((end) => !end.isClosed));
  }

  /**
   * Resets a connection. `loss`: both ends learn of it shortly and what is in
   * flight is lost. `reorder` and `duplicate`: one end learns at once, while
   * the other goes on receiving what was in flight to it, late with
   * `reorder`, and learns of the reset only after that. Returns how many
   * messages in flight the reset lost.
   */
  reset(connection: Connection, mode: ResetMode): number {
    this.options.trace(`reset #${connection.id} (${mode})`);
    if (mode === 'loss') {
      let lost = 0;
      for (const end of connection.ends) {
        if (!end.isClosed) lost += end.outgoing.messagesInFlight;
        end.abort('connection reset (simulated loss)');
      }
      return lost;
    }
    const early = this.random.chance(0.5) ? 0 : 1;
    const [first, second] = connection.ends;
    const told = early === 0 ? first : second;
    const lingering = early === 0 ? second : first;
    // What was in flight to the lingering end still arrives; what it sent dies with the reset.
    const inFlight = told.outgoing.lingerAfterReset(mode === 'reorder' ? this.random.between(20, 300) : 0);
    this.options.trace(`#${connection.id}: ${inFlight} packets still in flight to ${lingering.machine}`);
    told.abort(`connection reset (simulated ${mode})`, true);
    const lost = lingering.outgoing.messagesInFlight;
    lingering.outgoing.dropInFlight();
    told.outgoing.whenEmpty(() => {
      this.loop.after(this.random.between(1, 50), () => {
        lingering.abort(`connection reset (simulated ${mode})`);
      });
    });
    return lost;
  }

  /** @internal */
  remove(connection: Connection): void {
    this.connections.delete(connection);
  }

  /** @internal One-way latency of a message. */
  latencyMs(): number {
    let latencyMs = this.random.between(0.05, 0.5);
    if (this.options.delay && this.random.chance(0.1)) {
      latencyMs += this.random.chance(0.1) ? this.random.between(100, 500) : this.random.between(1, 100);
      this.options.onFault('delay');
    }
    return latencyMs;
  }

  /** @internal */
  machine(name: string): Machine {
    const machine = this.machines.get(name);
    if (machine === undefined) throw new Error(`no machine ${name}`);
    return machine;
  }
}

export class Connection {
  readonly ends: readonly [SimChannel, SimChannel];

  constructor(
    readonly network: SimNetwork,
    readonly id: number,
    dialer: Machine,
    acceptor: Machine,
  ) {
    const a = new SimChannel(this, dialer, acceptor.address);
    const b = new SimChannel(this, acceptor, dialer.address);
    a.link(b);
    b.link(a);
    this.ends = [a, b];
  }

  /** Forgets the connection once both ends are closed and nothing is in flight. */
  collect(): void {
    if (this.ends.every((end) => end.isClosed && end.outgoing.isEmpty)) this.network.remove(this);
  }
}

interface DrainWaiter {
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/** One end of a connection, as the process on its machine sees it. */
export class SimChannel implements PeerChannel {
  readonly machine: string;
  private readonly incarnation: number;
  outgoing!: Direction;
  private peer!: SimChannel;
  private readonly messageHandlers: ((message: Uint8Array) => void)[] = [];
  private readonly closeHandlers: ((reason: string) => void)[] = [];
  private closeReason: string | null = null;
  /** The process that owned this end is gone: nothing reaches it any more. */
  dead = false;

  constructor(
    readonly connection: Connection,
    owner: Machine,
    readonly remoteAddress: string,
  ) {
    this.machine = owner.name;
    this.incarnation = owner.incarnation;
  }

  /** @internal */
  link(peer: SimChannel): void {
    this.peer = peer;
    this.outgoing = new Direction(this.connection, this, peer);
  }

  get isClosed(): boolean {
    return this.closeReason !== null || this.dead;
  }

  /** @internal Whether the process closed this end itself (a FIN is on its way). */
  get closedLocally(): boolean {
    return this.closeReason === 'closed locally';
  }

  /** Whether a message reaching this end now would be taken by a live process. */
  get receiving(): boolean {
    if (this.isClosed) return false;
    const machine = this.connection.network.machine(this.machine);
    return machine.state === 'up' && machine.incarnation === this.incarnation;
  }

  send(message: Uint8Array): boolean {
    if (this.isClosed) return false;
    this.outgoing.sendData(Uint8Array.from(message));
    return this.outgoing.queuedBytes <= highWaterBytes;
  }

  drained(): Promise<void> {
    if (this.isClosed) return Promise.reject(new Error('the simulated connection is closed'));
    if (this.outgoing.isEmpty) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.outgoing.drainWaiters.push({ resolve, reject });
    });
  }

  onMessage(handler: (message: Uint8Array) => void): void {
    this.messageHandlers.push(handler);
    if (this.messageHandlers.length === 1) this.peer.outgoing.kick();
  }

  onClose(handler: (reason: string) => void): void {
    if (this.closeReason !== null) {
      handler(this.closeReason);
      return;
    }
    this.closeHandlers.push(handler);
  }

  /** Stops receiving at once; a FIN follows what was sent. */
  close(): void {
    if (this.isClosed) return;
    this.closeWith('closed locally');
    this.outgoing.sendControl('fin');
  }

  /** @internal The connection was reset (by the peer's kernel or a simulated fault). */
  abort(reason: string, keepInFlight = false): void {
    if (this.isClosed) return;
    if (!keepInFlight) this.outgoing.dropInFlight();
    this.closeWith(reason);
  }

  /** @internal The owning process is gone: no handler of it runs again. */
  die(dropOutgoing: boolean): void {
    this.dead = true;
    this.messageHandlers.length = 0;
    this.closeHandlers.length = 0;
    if (dropOutgoing) this.outgoing.dropInFlight();
    this.outgoing.rejectWaiters('the process is gone');
    this.connection.collect();
  }

  /** @internal */
  get hasHandlers(): boolean {
    return this.messageHandlers.length > 0;
  }

  /** @internal A packet from the peer reached this machine. */
  receive(packet: Packet): void {
    const network = this.connection.network;
    const machine = network.machine(this.machine);
    if (machine.state === 'machine-down') return;
    if (packet.kind === 'rst') {
      this.abort('connection reset by the peer');
      return;
    }
    if (!this.receiving) {
      // A closed socket, or a process that is gone: the kernel answers data with a reset.
      if (packet.kind === 'data') this.outgoing.sendControl('rst');
      return;
    }
    if (packet.kind === 'fin') {
      this.closeWith('closed by the peer');
      return;
    }
    const bytes = network.options.rewrite?.(this.machine, packet.bytes) ?? packet.bytes;
    // The start of a replication message names its type and epoch (and a record's seq): enough to follow a run.
    network.options.trace(
      `#${this.connection.id} ->${this.machine} ${Buffer.from(bytes.subarray(0, 56)).toString('latin1')}`,
    );
    for (const handler of this.messageHandlers) {
      // An earlier handler may have closed the channel.
      if (this.isClosed) return;
      try {
        handler(bytes);
      } catch (error) {
        // As the real channel: a failing handler costs the connection, never the process.
        network.options.trace(
          `handler failed on ${this.machine}: ${error instanceof Error ? error.message : String(error)}`,
        );
        this.abort('message handler failed');
        this.outgoing.sendControl('rst');
        return;
      }
    }
  }

  private closeWith(reason: string): void {
    this.closeReason = reason;
    this.outgoing.rejectWaiters(`the simulated connection closed (${reason})`);
    const handlers = this.closeHandlers.splice(0);
    // A socket reports its close from the event loop, never inside the call that caused it.
    this.connection.network.loop.after(0, () => {
      if (this.dead) return;
      for (const handler of handlers) handler(reason);
    });
    this.connection.collect();
  }
}

/** The packets in flight from one end to the other, delivered in order. */
class Direction {
  private queue: Packet[] = [];
  queuedBytes = 0;
  private scheduled = false;
  private lastDeliveredAtMs = 0;
  /** Extra lag of what is still in flight after a reset (`reorder`). */
  private lingerMs = 0;
  readonly drainWaiters: DrainWaiter[] = [];
  private readonly emptyWaiters: (() => void)[] = [];

  constructor(
    private readonly connection: Connection,
    private readonly from: SimChannel,
    private readonly to: SimChannel,
  ) {}

  get isEmpty(): boolean {
    return this.queue.length === 0;
  }

  /** Messages (not FIN or RST) still queued or on the wire. */
  get messagesInFlight(): number {
    return this.queue.filter((packet) => packet.kind === 'data').length;
  }

  private get network(): SimNetwork {
    return this.connection.network;
  }

  private get blocked(): boolean {
    return this.network.isBlocked(this.from.machine, this.to.machine);
  }

  sendData(bytes: Uint8Array): void {
    this.queue.push({ kind: 'data', bytes, readyAtMs: this.network.loop.nowMs + this.network.latencyMs() });
    this.queuedBytes += bytes.length;
    this.kick();
  }

  sendControl(kind: 'fin' | 'rst'): void {
    this.queue.push({ kind, readyAtMs: this.network.loop.nowMs + this.network.latencyMs() });
    this.kick();
  }

  dropInFlight(): void {
    this.queue = [];
    this.queuedBytes = 0;
    this.settleIfEmpty();
  }

  /** After a reset: what is in flight still arrives, `extraMs` late; returns how many packets that is. */
  lingerAfterReset(extraMs: number): number {
    this.lingerMs = extraMs;
    for (const packet of this.queue) packet.readyAtMs += extraMs;
    const count = this.queue.length;
    this.settleIfEmpty();
    return count;
  }

  whenEmpty(callback: () => void): void {
    if (this.queue.length === 0) callback();
    else this.emptyWaiters.push(callback);
  }

  rejectWaiters(reason: string): void {
    const error = new Error(reason);
    for (const waiter of this.drainWaiters.splice(0)) waiter.reject(error);
  }

  /** A partition healed: packets that waited go out again, after a fresh latency. */
  healed(): void {
    if (this.blocked) return;
    const nowMs = this.network.loop.nowMs;
    for (const packet of this.queue) {
      if (packet.readyAtMs < nowMs) packet.readyAtMs = nowMs + this.network.latencyMs() + this.lingerMs;
    }
    this.kick();
  }

  kick(): void {
    if (this.scheduled || this.blocked) return;
    const head = this.queue[0];
    if (head === undefined) return;
    // Nothing is delivered to an end whose process has not yet taken its handlers.
    if (head.kind === 'data' && this.to.receiving && !this.to.hasHandlers) return;
    this.scheduled = true;
    const loop = this.network.loop;
    const atMs = Math.max(head.readyAtMs, this.lastDeliveredAtMs, loop.nowMs);
    loop.after(atMs - loop.nowMs, () => {
      this.scheduled = false;
      this.deliverHead();
    });
  }

  private deliverHead(): void {
    if (this.blocked) return;
    const packet = this.queue.shift();
    if (packet === undefined) return;
    if (packet.kind === 'data') this.queuedBytes -= packet.bytes.length;
    this.lastDeliveredAtMs = this.network.loop.nowMs;
    this.to.receive(packet);
    this.settleIfEmpty();
    this.kick();
  }

  private settleIfEmpty(): void {
    if (this.queue.length > 0) return;
    for (const waiter of this.drainWaiters.splice(0)) waiter.resolve();
    for (const callback of this.emptyWaiters.splice(0)) callback();
    this.connection.collect();
  }
}
