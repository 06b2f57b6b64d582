/**
 * `evote witness` as a real process: it prints its address, answers stations
 * holding the pairing key over the secure channel (and no one else), keeps
 * its votes across a SIGKILL (the state is durable before it answers),
 * refuses a directory of another pair, and stops cleanly on SIGTERM.
 */
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../core/logging/logger.ts';
import {
  deriveTlsIdentity,
  generatePairingKey,
  parsePairingKey,
} from '../../core/replication/pairing-key.ts';
import {
  connectSecure,
  PeerRejectedError,
  type SecureConnection,
} from '../../core/replication/secure-channel.ts';
import {
  decodeWitnessMessage,
  encodeWitnessMessage,
  type WitnessMessage,
  type WitnessRequest,
} from '../../core/witness/witness-messages.ts';
import { removeDirectory, temporaryDirectory } from '../support/station-fixtures.ts';
import { runEvote } from '../support/station-process.ts';
import { killRunningWitnesses, startWitnessProcess } from '../support/witness-process.ts';

const pairKey = generatePairingKey();
const directories: string[] = [];

afterEach(async () => {
  await killRunningWitnesses();
});

afterAll(async () => {
  for (const dir of directories.splice(0)) await removeDirectory(dir);
});

async function witnessDirectory(): Promise<string> {
  const dir = await temporaryDirectory('evote-witness-');
  directories.push(dir);
  return path.join(dir, 'witness');
}

function keyBytes(text: string): Uint8Array {
  const parsed = parsePairingKey(text);
  if ('error' in parsed) throw new Error(parsed.error);
  return parsed;
}

/** A connection to the witness at `address` with `key`, sending one request at a time. */
async function connectToWitness(address: string, key = pairKey) {
  const [host = '', port = ''] = address.split(':');
  const connection: SecureConnection = await connectSecure({
    host,
    port: Number(port),
    identity: await deriveTlsIdentity(keyBytes(key)),
    logger: createMemoryLogger(),
    timeoutMs: 5_000,
  });
  const replies: WitnessMessage[] = [];
  const waiting: ((message: WitnessMessage) => void)[] = [];
  connection.onMessage((bytes) => {
    const message = decodeWitnessMessage(bytes);
    const next = waiting.shift();
    if (next === undefined) replies.push(message);
    else next(message);
  });
  return {
    connection,
    request(request: WitnessRequest): Promise<WitnessMessage> {
      connection.send(encodeWitnessMessage(request));
      const queued = replies.shift();
      if (queued !== undefined) return Promise.resolve(queued);
      return new Promise((resolve) => waiting.push(resolve));
    },
  };
}

function vote(stationId: string, epoch: number): WitnessRequest {
  return {
    type: 'vote-request',
    requestId: epoch,
    epoch,
    stationId,
    fromEpoch: epoch - 1,
    durationMs: 1_000,
  };
}

describe('evote witness', () => {
  it('prints its address, answers votes, and stops cleanly on SIGTERM', async () => {
    const witness = await startWitnessProcess({ dataDir: await witnessDirectory(), pairKey });
    expect(witness.stdout()).toMatch(/^witness: 127\.0\.0\.1:\d+\n$/);
    const client = await connectToWitness(witness.address);
    expect(await client.request(vote('station-a', 1))).toMatchObject({ type: 'vote-granted', epoch: 1 });
    client.connection.close();
    expect(await witness.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(witness.logs()).toContain('"event":"witness-stop-complete"');
  });

  it('keeps its votes across a SIGKILL: they are durable before it answers', async () => {
    const dataDir = await witnessDirectory();
    const first = await startWitnessProcess({ dataDir, pairKey });
    const client = await connectToWitness(first.address);
    expect(await client.request(vote('station-a', 1))).toMatchObject({ type: 'vote-granted' });
    await first.stop('SIGKILL');

    const second = await startWitnessProcess({ dataDir, pairKey });
    const again = await connectToWitness(second.address);
    // Epoch 1 is taken, and b was never declared to hold what a acknowledged.
    expect(await again.request(vote('station-b', 1))).toMatchObject({
      type: 'refused',
      reason: 'epoch-taken',
      epoch: 1,
      holder: 'station-a',
    });
    expect(await again.request(vote('station-b', 2))).toMatchObject({
      type: 'refused',
      reason: 'not-current',
    });
    expect(second.logs()).toContain('"holder":"station-a"');
  });

  it('refuses a station with another pairing key, and a malformed message', async () => {
    const witness = await startWitnessProcess({ dataDir: await witnessDirectory(), pairKey });
    await expect(connectToWitness(witness.address, generatePairingKey())).rejects.toBeInstanceOf(
      PeerRejectedError,
    );
    const client = await connectToWitness(witness.address);
    const closed = new Promise<void>((resolve) => {
      client.connection.onClose(() => {
        resolve();
      });
    });
    client.connection.send(Buffer.from('{"type":"hello","epoch":1}'));
    await closed;
    expect(witness.logs()).toContain('"event":"witness-request-rejected"');
  });

  it("refuses to start on another pair's directory", async () => {
    const dataDir = await witnessDirectory();
    const first = await startWitnessProcess({ dataDir, pairKey });
    const client = await connectToWitness(first.address);
    await client.request(vote('station-a', 1));
    await first.stop('SIGTERM');
    const refused = await runEvote([
      'witness',
      '--sync',
      '127.0.0.1:0',
      '--pair-key',
      generatePairingKey(),
      '--data',
      dataDir,
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/holds the witness of another pair of stations/);
  });
});
