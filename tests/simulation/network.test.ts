/**
 * The simulated network behaves as TLS over TCP does: in order within a
 * connection, FIN after queued data; a partition holds packets until it heals
 * and makes connecting time out; a one-way cut stops one direction only; a
 * reset closes both ends, and with `duplicate` the old connection still
 * delivers what was in flight after the sender was told.
 */
import { describe, expect, it } from 'vitest';
import type { PeerChannel } from '../../core/replication/peer-channel.ts';
import { EventLoop } from '../../simulation/event-loop.ts';
import { connectTimeoutMs, SimNetwork } from '../../simulation/network.ts';
import { Random } from '../../simulation/random.ts';

interface Received {
  readonly messages: string[];
  readonly closes: string[];
}

function setUp(seed = 1): {
  loop: EventLoop;
  network: SimNetwork;
  accepted: PeerChannel[];
  watch: (channel: PeerChannel) => Received;
} {
  const loop = new EventLoop(0);
  const network = new SimNetwork({
    loop,
    random: new Random(seed),
    delay: false,
    onFault: () => undefined,
    trace: () => undefined,
  });
  network.addMachine('a', 'sync:a');
  network.addMachine('b', 'sync:b');
  const accepted: PeerChannel[] = [];
  network.processUp('a', { accept: (channel) => accepted.push(channel) });
  network.processUp('b', { accept: (channel) => accepted.push(channel) });
  const watch = (channel: PeerChannel): Received => {
    const received: Received = { messages: [], closes: [] };
    channel.onMessage((bytes) => received.messages.push(Buffer.from(bytes).toString('utf8')));
    channel.onClose((reason) => received.closes.push(reason));
    return received;
  };
  return { loop, network, accepted, watch };
}

const message = (text: string): Uint8Array => Buffer.from(text, 'utf8');

async function connect(
  loop: EventLoop,
  network: SimNetwork,
  accepted: PeerChannel[],
): Promise<[PeerChannel, PeerChannel]> {
  const dialer = await loop.runUntilSettled(network.dial('a', 'sync:b'));
  const acceptor = accepted.at(-1);
  if (acceptor === undefined) throw new Error('nothing was accepted');
  return [dialer, acceptor];
}

describe('the simulated network', () => {
  it('delivers in order, then the FIN of a close', async () => {
    const { loop, network, accepted, watch } = setUp();
    const [dialer, acceptor] = await connect(loop, network, accepted);
    const atB = watch(acceptor);
    for (const text of ['one', 'two', 'three']) dialer.send(message(text));
    dialer.close();
    await loop.runUntil(loop.nowMs + 100);
    expect(atB.messages).toEqual(['one', 'two', 'three']);
    expect(atB.closes).toEqual(['closed by the peer']);
  });

  it('holds packets during a partition, delivers them after it heals, and refuses new connections meanwhile', async () => {
    const { loop, network, accepted, watch } = setUp();
    const [dialer, acceptor] = await connect(loop, network, accepted);
    const atA = watch(dialer);
    const atB = watch(acceptor);
    const heal = network.cut('a', 'b', true);
    dialer.send(message('during'));
    acceptor.send(message('back'));
    await loop.runUntil(loop.nowMs + 1_000);
    expect(atB.messages).toEqual([]);
    expect(atA.messages).toEqual([]);
    expect(atA.closes).toEqual([]);

    const startedMs = loop.nowMs;
    await expect(loop.runUntilSettled(network.dial('b', 'sync:a'))).rejects.toMatchObject({
      code: 'ETIMEDOUT',
    });
    expect(loop.nowMs - startedMs).toBeGreaterThanOrEqual(connectTimeoutMs);

    heal();
    await loop.runUntil(loop.nowMs + 100);
    expect(atB.messages).toEqual(['during']);
    expect(atA.messages).toEqual(['back']);
  });

  it('cuts one direction only in a one-way partition', async () => {
    const { loop, network, accepted, watch } = setUp();
    const [dialer, acceptor] = await connect(loop, network, accepted);
    const atA = watch(dialer);
    const atB = watch(acceptor);
    const heal = network.cut('a', 'b', false);
    dialer.send(message('a to b'));
    acceptor.send(message('b to a'));
    await loop.runUntil(loop.nowMs + 500);
    expect(atA.messages).toEqual(['b to a']);
    expect(atB.messages).toEqual([]);
    // A connection needs both directions.
    await expect(loop.runUntilSettled(network.dial('b', 'sync:a'))).rejects.toMatchObject({
      code: 'ETIMEDOUT',
    });
    heal();
    await loop.runUntil(loop.nowMs + 100);
    expect(atB.messages).toEqual(['a to b']);
  });

  it('closes both ends on a reset and drops what was in flight', async () => {
    const { loop, network, accepted, watch } = setUp();
    const [dialer, acceptor] = await connect(loop, network, accepted);
    const atA = watch(dialer);
    const atB = watch(acceptor);
    dialer.send(message('lost'));
    const connection = network.openConnections()[0];
    if (connection === undefined) throw new Error('no connection');
    network.reset(connection, 'loss');
    await loop.runUntil(loop.nowMs + 100);
    expect(atB.messages).toEqual([]);
    expect(atA.closes).toHaveLength(1);
    expect(atB.closes).toHaveLength(1);
  });

  it('with duplicate, still delivers what was in flight to the end that learns of the reset last', async () => {
    let seen = false;
    for (let seed = 1; seed <= 20 && !seen; seed += 1) {
      const { loop, network, accepted, watch } = setUp(seed);
      const [dialer, acceptor] = await connect(loop, network, accepted);
      const atA = watch(dialer);
      const atB = watch(acceptor);
      dialer.send(message('in flight'));
      const connection = network.openConnections()[0];
      if (connection === undefined) throw new Error('no connection');
      network.reset(connection, 'duplicate');
      // The end told at once is the dialer in some seeds: then b still gets the message.
      if (!dialer.send(message('after')) && atB.closes.length === 0) {
        await loop.runUntil(loop.nowMs + 200);
        expect(atB.messages).toEqual(['in flight']);
        expect(atA.closes).toHaveLength(1);
        expect(atB.closes).toHaveLength(1);
        seen = true;
      }
    }
    expect(seen).toBe(true);
  });

  it('answers a dial to a machine whose process is down with ECONNREFUSED, and resets the connections of a crashed process', async () => {
    const { loop, network, accepted, watch } = setUp();
    const [dialer] = await connect(loop, network, accepted);
    const atA = watch(dialer);
    network.processDown('b', 'process');
    await loop.runUntil(loop.nowMs + 100);
    expect(atA.closes).toEqual(['connection reset by the peer']);
    await expect(loop.runUntilSettled(network.dial('a', 'sync:b'))).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
  });
});
