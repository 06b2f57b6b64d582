/**
 * The witness process: a third member that holds no data, only votes and
 * leases (see witness-core.ts for the rules). It listens on the same secure
 * channel as the stations (mutual TLS bound to the pairing key), handles one
 * request at a time across all connections, and makes every change of its
 * state durable (atomic replace, flushed) before it answers.
 */
import type { Logger } from '../logging/logger.ts';
import { clusterIdOf, deriveTlsIdentity } from '../replication/pairing-key.ts';
import { listenSecure, type SecureConnection } from '../replication/secure-channel.ts';
import type { Clock } from '../station/environment.ts';
import { acquireDirectoryLock } from '../store/directory-lock.ts';
import { grantorClock } from './lease.ts';
import { WitnessCore, type WitnessDecision } from './witness-core.ts';
import {
  decodeWitnessMessage,
  encodeWitnessMessage,
  isWitnessRequest,
  type WitnessMessage,
} from './witness-messages.ts';
import { readWitnessState, writeWitnessState, type WitnessState } from './witness-state.ts';

export interface WitnessOptions {
  readonly dataDir: string;
  readonly host: string;
  readonly port: number;
  readonly pairingKey: Uint8Array;
  readonly logger: Logger;
  /** The clock leases are timed on; by default one that never runs fast (see lease.ts). */
  readonly clock?: Clock;
}

export interface RunningWitness {
  /** The port actually bound (useful with port 0). */
  readonly port: number;
  state(): WitnessState;
  /** Stops listening, closes every connection and releases the data directory. */
  stop(): Promise<void>;
}

export async function startWitness(options: WitnessOptions): Promise<RunningWitness> {
  const { logger } = options;
  const clock = options.clock ?? grantorClock();
  const clusterId = clusterIdOf(options.pairingKey);
  const lock = await acquireDirectoryLock(options.dataDir);
  try {
    const stored = await readWitnessState(options.dataDir, clusterId);
    const core = new WitnessCore(stored, clock.nowMs());
    const identity = await deriveTlsIdentity(options.pairingKey);
    /** Requests are decided one at a time, each after the previous one's state is durable. */
    let queue: Promise<void> = Promise.resolve();
    let stopped = false;
    /** A station asking again and again (a backup waiting out a lease) is logged once per answer. */
    const lastRefusals = new Map<string, string>();
    const repeatsLastRefusal = (decision: WitnessDecision): boolean => {
      const event = decision.event;
      if (event === null) return false;
      const key = event.kind === 'refused' ? `${event.request}:${event.reason}:${decision.reply.epoch}` : '';
      const stationId = 'stationId' in event ? event.stationId : '';
      const repeated = key !== '' && lastRefusals.get(stationId) === key;
      if (lastRefusals.size > 64) lastRefusals.clear();
      lastRefusals.set(stationId, key);
      return repeated;
    };

    const handle = async (connection: SecureConnection, message: WitnessMessage): Promise<void> => {
      if (stopped || connection.isClosed || !isWitnessRequest(message)) return;
      const decision = core.decide(message, clock.nowMs());
      if (decision.nextState !== null) {
        try {
          await writeWitnessState(options.dataDir, clusterId, decision.nextState);
        } catch (error) {
          // Unanswered, the station asks again later; an answer without durable state could be forgotten.
          logger.log(
            'error',
            'witness-state-failed',
            'the witness could not store its state; not answering',
            {
              error: error instanceof Error ? error.message : String(error),
            },
          );
          return;
        }
      }
      core.apply(decision);
      if (!repeatsLastRefusal(decision)) logDecision(logger, decision, connection.remoteAddress);
      connection.send(encodeWitnessMessage(decision.reply));
    };

    const listener = await listenSecure({
      host: options.host,
      port: options.port,
      identity,
      logger,
      onConnection: (connection) => {
        connection.onMessage((bytes) => {
          let message: WitnessMessage;
          try {
            message = decodeWitnessMessage(bytes);
          } catch (error) {
            logger.log('warn', 'witness-request-rejected', 'a malformed message was refused', {
              peer: connection.remoteAddress,
              error: (error as Error).message,
            });
            connection.close();
            return;
          }
          if (!isWitnessRequest(message)) {
            connection.close();
            return;
          }
          // A failure costs that request (unanswered, the station asks again), never the queue.
          queue = queue
            .then(() => handle(connection, message))
            .catch((error: unknown) => {
              logger.log('error', 'internal-error', 'the witness failed to handle a request', {
                error: error instanceof Error ? error.message : String(error),
              });
            });
        });
      },
    });
    const state = core.state;
    logger.log('info', 'witness-listening', 'the witness is listening', {
      host: options.host,
      port: listener.port,
      epoch: state.epoch,
      holder: state.holder,
      synced: state.synced,
    });
    return {
      port: listener.port,
      state: () => core.state,
      async stop() {
        if (stopped) return;
        stopped = true;
        await listener.close();
        await queue;
        await lock.release();
      },
    };
  } catch (error) {
    await lock.release();
    throw error;
  }
}

function logDecision(logger: Logger, decision: WitnessDecision, peer: string): void {
  const event = decision.event;
  if (event === null) return;
  switch (event.kind) {
    case 'vote-granted':
      logger.log('info', 'witness-vote-granted', 'voted for a new primary', {
        epoch: event.epoch,
        stationId: event.stationId,
        peer,
      });
      return;
    case 'refused':
      logger.log('info', 'witness-refused', `refused a ${event.request}: ${event.reason}`, {
        epoch: event.epoch,
        stationId: event.stationId,
        reason: event.reason,
        witnessEpoch: decision.reply.epoch,
        peer,
      });
      return;
    case 'released':
      logger.log('info', 'witness-lease-released', 'the primary gave up its lease', {
        epoch: event.epoch,
        stationId: event.stationId,
      });
      return;
    case 'synced-changed':
      logger.log(
        'info',
        'witness-synced-changed',
        event.synced === null
          ? 'the primary goes on without its backup: only it may be voted for'
          : 'the primary declared its backup up to date',
        { epoch: event.epoch, synced: event.synced },
      );
      return;
  }
}
