/**
 * A witness in this process for unit tests of a station's quorum: the real
 * rules (WitnessCore) on a clock the test controls, reached through in-memory
 * channels (one new pair per dial). The test can make it unreachable, make it
 * stop answering (as a frozen process would), or cut its connections.
 */
import type { PeerChannel } from '../../core/replication/peer-channel.ts';
import type { Clock } from '../../core/station/environment.ts';
import { WitnessCore } from '../../core/witness/witness-core.ts';
import {
  decodeWitnessMessage,
  encodeWitnessMessage,
  isWitnessRequest,
  type WitnessRequest,
} from '../../core/witness/witness-messages.ts';
import { initialWitnessState } from '../../core/witness/witness-state.ts';
import { createChannelPair, type MemoryChannel } from '../support/memory-channel.ts';

export interface MemoryWitness {
  readonly core: WitnessCore;
  /** Every request received, in order. */
  readonly requests: WitnessRequest[];
  /** False: dialling fails (as if the witness were down or cut off). */
  reachable: boolean;
  /** False: requests are read but never answered (a frozen witness). */
  answering: boolean;
  /** Opens a connection to this witness (the `dial` a quorum takes). */
  dial(address: string): Promise<PeerChannel>;
  /** Breaks every open connection. */
  cutAll(): void;
}

export function memoryWitness(clock: Clock): MemoryWitness {
  const core = new WitnessCore(initialWitnessState, clock.nowMs());
  const open = new Set<MemoryChannel>();
  const witness: MemoryWitness = {
    core,
    requests: [],
    reachable: true,
    answering: true,
    dial() {
      if (!witness.reachable) return Promise.reject(new Error('connection refused (test)'));
      const [stationEnd, witnessEnd] = createChannelPair({ remoteAddresses: ['witness', 'station'] });
      open.add(witnessEnd);
      witnessEnd.onClose(() => open.delete(witnessEnd));
      witnessEnd.onMessage((bytes) => {
        const message = decodeWitnessMessage(bytes);
        if (!isWitnessRequest(message)) throw new Error(`unexpected ${message.type} at the witness`);
        witness.requests.push(message);
        if (!witness.answering) return;
        const decision = core.decide(message, clock.nowMs());
        core.apply(decision);
        witnessEnd.send(encodeWitnessMessage(decision.reply));
      });
      return Promise.resolve(stationEnd);
    },
    cutAll() {
      for (const end of open) end.cut();
      open.clear();
    },
  };
  return witness;
}

/** Lets in-memory messages (one per setImmediate) and the promises they settle run. */
export async function flushMessages(rounds = 20): Promise<void> {
  for (let round = 0; round < rounds; round += 1) await new Promise((resolve) => setImmediate(resolve));
}
