import { randomBytes, X509Certificate, createHash, createPrivateKey } from 'node:crypto';
import { once } from 'node:events';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { fc, test as propertyTest } from '@fast-check/vitest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMemoryLogger, type RecordedLogEntry } from '../../core/logging/logger.ts';
import {
  clusterIdOf,
  deriveTlsIdentity,
  formatPairingKey,
  generatePairingKey,
  pairingKeyBytes,
  parsePairingKey,
  type TlsIdentity,
} from '../../core/replication/pairing-key.ts';
import { replicationLimits } from '../../core/replication/replication-limits.ts';
import {
  connectSecure,
  listenSecure,
  PeerRejectedError,
  type SecureConnection,
  type SecureListener,
} from '../../core/replication/secure-channel.ts';

const keyPattern = /^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){7}$/;
const host = '127.0.0.1';
const timeoutMs = 5_000;

function keyBytesOf(text: string): Uint8Array {
  const parsed = parsePairingKey(text);
  if ('error' in parsed) throw new Error(parsed.error);
  return parsed;
}

describe('pairing key', () => {
  it('is 160 random bits as Crockford base32 in groups of four', () => {
    expect(pairingKeyBytes * 8).toBeGreaterThanOrEqual(128);
    const first = generatePairingKey();
    const second = generatePairingKey();
    expect(first).toMatch(keyPattern);
    expect(first.replaceAll('-', '')).toHaveLength(32);
    expect(second).not.toBe(first);
    expect(generatePairingKey(() => new Uint8Array(pairingKeyBytes).fill(0xff))).toBe(
      'ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ',
    );
    // Independent reference: Python's base64.b32encode(bytes(range(20))), mapped to Crockford's alphabet.
    expect(formatPairingKey(Uint8Array.from({ length: 20 }, (_, index) => index))).toBe(
      '000G-40R4-0M30-E209-185G-R38E-1W81-24GK',
    );
  });

  propertyTest.prop([fc.uint8Array({ minLength: pairingKeyBytes, maxLength: pairingKeyBytes })])(
    'parses back to the same bytes',
    (keyBytes) => {
      expect(keyBytesOf(formatPairingKey(keyBytes))).toEqual(keyBytes);
    },
  );

  it('accepts lower case, spaces, no dashes and the look-alikes O, I and L', () => {
    const key = formatPairingKey(Uint8Array.from({ length: 20 }, (_, index) => index * 13));
    const keyBytes = keyBytesOf(key);
    expect(keyBytesOf(key.toLowerCase())).toEqual(keyBytes);
    expect(keyBytesOf(key.replaceAll('-', ''))).toEqual(keyBytes);
    expect(keyBytesOf(` ${key.replaceAll('-', ' ')}  `)).toEqual(keyBytes);
    const lookAlikes = key.replaceAll('0', 'O').replace('1', 'I').replace('1', 'l');
    expect(lookAlikes).not.toBe(key);
    expect(keyBytesOf(lookAlikes)).toEqual(keyBytes);
    expect(keyBytesOf('oooo-oooo-oooo-oooo-oooo-oooo-oooo-oooo')).toEqual(new Uint8Array(20));
  });

  it('explains what is wrong with a mistyped key', () => {
    const key = generatePairingKey();
    expect(parsePairingKey(key.slice(0, -1))).toEqual({
      error: 'the pairing key is too short: 31 of 32 characters',
    });
    expect(parsePairingKey(`${key}-7`)).toEqual({
      error: 'the pairing key is too long: 33 of 32 characters',
    });
    expect(parsePairingKey(`U${key.slice(1)}`)).toEqual({
      error: 'the pairing key contains "U", which is not one of its characters',
    });
    expect(parsePairingKey(`${key.slice(0, -1)}*`)).toHaveProperty('error');
    expect(parsePairingKey('')).toHaveProperty('error');
  });

  it('gives a stable public cluster id that does not reveal the key', () => {
    const keyBytes = keyBytesOf(generatePairingKey());
    const clusterId = clusterIdOf(keyBytes);
    expect(clusterId).toMatch(/^[0-9a-f]{16}$/);
    expect(clusterIdOf(Uint8Array.from(keyBytes))).toBe(clusterId);
    expect(Buffer.from(keyBytes).toString('hex')).not.toContain(clusterId);
    expect(clusterId).not.toContain(Buffer.from(keyBytes).subarray(0, 4).toString('hex'));
    expect(clusterIdOf(keyBytesOf(generatePairingKey()))).not.toBe(clusterId);
    expect(() => clusterIdOf(new Uint8Array(16))).toThrow(RangeError);
  });
});

describe('TLS identity derived from the pairing key', () => {
  it('is the same key pair for the same pairing key, another for another key', async () => {
    const keyBytes = keyBytesOf(generatePairingKey());
    const first = await deriveTlsIdentity(keyBytes);
    const second = await deriveTlsIdentity(Uint8Array.from(keyBytes));
    const other = await deriveTlsIdentity(keyBytesOf(generatePairingKey()));
    expect(first.publicKeySpkiSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(second.publicKeySpkiSha256).toBe(first.publicKeySpkiSha256);
    expect(second.keyPem).toBe(first.keyPem);
    expect(other.publicKeySpkiSha256).not.toBe(first.publicKeySpkiSha256);
    expect(first.publicKeySpkiSha256).not.toContain(clusterIdOf(keyBytes));
  });

  it('is a self-signed ECDSA P-256 certificate valid from 2000 to 2099 for that key', async () => {
    const identity = await deriveTlsIdentity(keyBytesOf(generatePairingKey()));
    const certificate = new X509Certificate(identity.certPem);
    expect(certificate.subject).toBe('CN=evote station');
    expect(certificate.issuer).toBe('CN=evote station');
    expect(new Date(certificate.validFrom).toISOString()).toBe('2000-01-01T00:00:00.000Z');
    expect(new Date(certificate.validTo).toISOString()).toBe('2099-12-31T23:59:59.000Z');
    expect(certificate.publicKey.asymmetricKeyDetails).toEqual({ namedCurve: 'prime256v1' });
    expect(certificate.verify(certificate.publicKey)).toBe(true);
    expect(certificate.checkPrivateKey(createPrivateKey(identity.keyPem))).toBe(true);
    const spkiSha256 = createHash('sha256')
      .update(certificate.publicKey.export({ type: 'spki', format: 'der' }))
      .digest('hex');
    expect(spkiSha256).toBe(identity.publicKeySpkiSha256);
  });
});

/** A listener plus what it accepted and logged, closed after each test. */
interface TestServer {
  readonly listener: SecureListener;
  readonly logs: RecordedLogEntry[];
  readonly accepted: SecureConnection[];
  readonly received: Uint8Array[];
  readonly closeReasons: string[];
}

const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function identityPair(): Promise<[TlsIdentity, TlsIdentity]> {
  const keyBytes = keyBytesOf(generatePairingKey());
  return [await deriveTlsIdentity(keyBytes), await deriveTlsIdentity(keyBytes)];
}

/** Records every message and the close reason of each accepted connection; echoes nothing. */
async function startServer(identity: TlsIdentity): Promise<TestServer> {
  const logger = createMemoryLogger();
  const accepted: SecureConnection[] = [];
  const received: Uint8Array[] = [];
  const closeReasons: string[] = [];
  const listener = await listenSecure({
    host,
    port: 0,
    identity,
    logger,
    onConnection: (connection) => {
      accepted.push(connection);
      connection.onMessage((message) => received.push(Uint8Array.from(message)));
      connection.onClose((reason) => closeReasons.push(reason));
    },
  });
  cleanups.push(() => listener.close());
  return { listener, logs: logger.entries, accepted, received, closeReasons };
}

async function connect(
  identity: TlsIdentity,
  port: number,
): Promise<{ connection: SecureConnection; logs: RecordedLogEntry[] }> {
  const logger = createMemoryLogger();
  const connection = await connectSecure({ host, port, identity, logger, timeoutMs });
  cleanups.push(() => {
    connection.close();
  });
  return { connection, logs: logger.entries };
}

function text(message: Uint8Array): string {
  return Buffer.from(message).toString('utf8');
}

async function waitFor(condition: () => boolean): Promise<void> {
  await vi.waitFor(
    () => {
      if (!condition()) throw new Error(`not yet: ${condition.toString()}`);
    },
    { timeout: timeoutMs, interval: 5 },
  );
}

/** Lets in-flight bytes arrive, to show that nothing more is delivered. */
async function settle(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 200));
}

describe('secure channel', () => {
  it('carries messages both ways, in order, large and small, on a port chosen by the system', async () => {
    const [serverIdentity, clientIdentity] = await identityPair();
    const server = await startServer(serverIdentity);
    expect(server.listener.port).toBeGreaterThan(0);
    const { connection: client, logs: clientLogs } = await connect(clientIdentity, server.listener.port);
    const clientReceived: Uint8Array[] = [];
    client.onMessage((message) => clientReceived.push(Uint8Array.from(message)));
    expect(client.remoteAddress).toBe(host);
    expect(client.remotePort).toBe(server.listener.port);

    expect(client.send(Buffer.from('hello primary'))).toBe(true);
    await waitFor(() => server.received.length === 1);
    expect(text(server.received[0] ?? new Uint8Array())).toBe('hello primary');
    const serverSide = server.accepted[0];
    if (serverSide === undefined) throw new Error('no connection accepted');
    expect(serverSide.remoteAddress).toBe(host);
    serverSide.send(Buffer.from('hello backup'));
    await waitFor(() => clientReceived.length === 1);
    expect(text(clientReceived[0] ?? new Uint8Array())).toBe('hello backup');

    const large = randomBytes(1024 * 1024);
    client.send(large);
    serverSide.send(large);
    serverSide.send(new Uint8Array(0));
    await waitFor(() => server.received.length === 2 && clientReceived.length === 3);
    expect(Buffer.from(server.received[1] ?? []).equals(large)).toBe(true);
    expect(Buffer.from(clientReceived[1] ?? []).equals(large)).toBe(true);
    expect(clientReceived[2]).toHaveLength(0);

    const small = Array.from({ length: 1000 }, (_, index) => `message ${index}`);
    for (const message of small) client.send(Buffer.from(message));
    await waitFor(() => server.received.length === 2 + small.length);
    expect(server.received.slice(2).map(text)).toEqual(small);
    expect(server.logs).toEqual([]);
    expect(clientLogs).toEqual([]);
  });

  it('respects backpressure: send returns false when full and drained() waits for room', async () => {
    const [serverIdentity, clientIdentity] = await identityPair();
    const server = await startServer(serverIdentity);
    const { connection: client } = await connect(clientIdentity, server.listener.port);
    const chunk = randomBytes(1024 * 1024);
    let sentCount = 0;
    while (client.send(chunk)) sentCount += 1;
    sentCount += 1;
    await client.drained();
    await waitFor(() => server.received.length === sentCount);
    await expect(client.drained()).resolves.toBeUndefined();
  });

  it('refuses a message above the frame limit when sending', async () => {
    const [serverIdentity, clientIdentity] = await identityPair();
    const server = await startServer(serverIdentity);
    const { connection: client } = await connect(clientIdentity, server.listener.port);
    expect(() => client.send(new Uint8Array(replicationLimits.replicationFrameBytesMax + 1))).toThrow(
      RangeError,
    );
  });

  it('reports a clean close to both sides', async () => {
    const [serverIdentity, clientIdentity] = await identityPair();
    const server = await startServer(serverIdentity);
    const { connection: client } = await connect(clientIdentity, server.listener.port);
    const clientReasons: string[] = [];
    client.onClose((reason) => clientReasons.push(reason));
    client.send(Buffer.from('last words'));
    client.close();
    expect(client.isClosed).toBe(true);
    expect(client.send(Buffer.from('too late'))).toBe(false);
    await waitFor(() => server.closeReasons.length === 1 && clientReasons.length === 1);
    expect(server.received.map(text)).toEqual(['last words']);
    expect(server.closeReasons).toEqual(['closed by the peer']);
    expect(clientReasons).toEqual(['closed locally']);
  });

  it('closes the connections it accepted when the listener closes', async () => {
    const [serverIdentity, clientIdentity] = await identityPair();
    const server = await startServer(serverIdentity);
    const { connection: client } = await connect(clientIdentity, server.listener.port);
    const clientReasons: string[] = [];
    client.onClose((reason) => clientReasons.push(reason));
    client.send(Buffer.from('ping'));
    await waitFor(() => server.received.length === 1);
    await server.listener.close();
    await waitFor(() => clientReasons.length === 1);
    expect(server.closeReasons).toEqual(['the listener was closed']);
    await expect(client.drained()).rejects.toThrow('closed');
  });

  it('rejects a station with another pairing key, on both sides, and logs it', async () => {
    const [serverIdentity] = await identityPair();
    const [otherIdentity] = await identityPair();
    const server = await startServer(serverIdentity);
    const clientLogger = createMemoryLogger();
    const attempt = connectSecure({
      host,
      port: server.listener.port,
      identity: otherIdentity,
      logger: clientLogger,
      timeoutMs,
    });
    await expect(attempt).rejects.toThrow(PeerRejectedError);
    await expect(attempt).rejects.toMatchObject({ reason: 'wrong pairing key' });
    expect(clientLogger.entries).toMatchObject([
      {
        event: 'replication-peer-rejected',
        fields: { peer: `${host}:${server.listener.port}`, reason: 'wrong pairing key' },
      },
    ]);
    await waitFor(() => server.logs.length > 0);
    expect(server.logs).toMatchObject([
      {
        level: 'warn',
        event: 'replication-peer-rejected',
        fields: { reason: 'wrong pairing key', peer: expect.stringMatching(/^127\.0\.0\.1:\d+$/) as unknown },
      },
    ]);
    expect(server.accepted).toEqual([]);
  });

  it('rejects a client that presents no certificate', async () => {
    const [serverIdentity] = await identityPair();
    const server = await startServer(serverIdentity);
    const socket = tls.connect({
      host,
      port: server.listener.port,
      rejectUnauthorized: false,
      minVersion: 'TLSv1.3',
    });
    socket.on('error', () => undefined);
    await once(socket, 'close');
    await waitFor(() => server.logs.length > 0);
    expect(server.logs).toMatchObject([
      { event: 'replication-peer-rejected', fields: { reason: 'no certificate' } },
    ]);
    expect(server.accepted).toEqual([]);
  });

  it('drops a connection whose TLS record was tampered with in flight, and logs it', async () => {
    const [serverIdentity, clientIdentity] = await identityPair();
    const server = await startServer(serverIdentity);
    const proxy = await startProxy(server.listener.port);
    const { connection: client, logs: clientLogs } = await connect(clientIdentity, proxy.port);
    client.send(Buffer.from('before'));
    await waitFor(() => server.received.length === 1);

    proxy.flipByteOfNextClientRecord();
    client.send(Buffer.from('tampered'));
    client.send(Buffer.from('after'));
    await waitFor(() => server.closeReasons.length === 1);
    await settle();

    expect(server.received.map(text)).toEqual(['before']);
    expect(server.closeReasons[0]).toMatch(/^channel error \(ERR_SSL_/);
    const errors = server.logs.filter((entry) => entry.event === 'replication-channel-error');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.fields).toEqual({
      peer: expect.stringMatching(/^127\.0\.0\.1:\d+$/) as unknown,
      code: expect.stringMatching(/^ERR_SSL_/) as unknown,
    });
    const allLogs = JSON.stringify([...server.logs, ...clientLogs]);
    expect(allLogs).not.toContain('tampered');
    expect(allLogs).not.toContain('after');
  });

  it('drops a connection on which a TLS record is replayed, and logs it', async () => {
    const [serverIdentity, clientIdentity] = await identityPair();
    const server = await startServer(serverIdentity);
    const proxy = await startProxy(server.listener.port);
    const { connection: client } = await connect(clientIdentity, proxy.port);
    client.send(Buffer.from('transfer 1'));
    await waitFor(() => server.received.length === 1);
    const recorded = proxy.lastClientRecord();
    client.send(Buffer.from('transfer 2'));
    await waitFor(() => server.received.length === 2);

    proxy.injectTowardsServer(recorded);
    await waitFor(() => server.closeReasons.length === 1);
    client.send(Buffer.from('transfer 3'));
    await settle();

    expect(server.received.map(text)).toEqual(['transfer 1', 'transfer 2']);
    expect(server.logs).toMatchObject([
      { event: 'replication-channel-error', fields: { code: expect.stringMatching(/^ERR_SSL_/) as unknown } },
    ]);
  });

  it('drops a peer that announces a frame above the limit', async () => {
    const [serverIdentity, clientIdentity] = await identityPair();
    const server = await startServer(serverIdentity);
    // A peer with the right key but its own framing, as a faulty or hostile station could be.
    const socket = tls.connect({
      host,
      port: server.listener.port,
      key: clientIdentity.keyPem,
      cert: clientIdentity.certPem,
      rejectUnauthorized: false,
      minVersion: 'TLSv1.3',
    });
    socket.on('error', () => undefined);
    await once(socket, 'secureConnect');
    const header = Buffer.alloc(4);
    header.writeUInt32BE(replicationLimits.replicationFrameBytesMax + 1);
    socket.write(header);
    socket.write(Buffer.alloc(1024));
    await once(socket, 'close');
    await waitFor(() => server.closeReasons.length === 1);
    expect(server.closeReasons).toEqual(['frame too large']);
    expect(server.received).toEqual([]);
    expect(server.logs).toMatchObject([
      {
        event: 'replication-frame-rejected',
        fields: { frameBytes: replicationLimits.replicationFrameBytesMax + 1 },
      },
    ]);
  });

  it('drops the connection, not the process, when a message handler throws', async () => {
    const [serverIdentity, clientIdentity] = await identityPair();
    const logger = createMemoryLogger();
    const reasons: string[] = [];
    const listener = await listenSecure({
      host,
      port: 0,
      identity: serverIdentity,
      logger,
      onConnection: (connection) => {
        connection.onMessage(() => {
          throw new Error('handler bug');
        });
        connection.onClose((reason) => reasons.push(reason));
      },
    });
    cleanups.push(() => listener.close());
    const { connection: client } = await connect(clientIdentity, listener.port);
    client.send(Buffer.from('x'));
    await waitFor(() => reasons.length === 1);
    expect(reasons).toEqual(['message handler failed']);
    expect(logger.entries).toMatchObject([{ event: 'internal-error' }]);
  });

  it('fails to connect within the time limit, without logging network failures', async () => {
    const [identity] = await identityPair();
    const logger = createMemoryLogger();
    const silent = net.createServer((socket) => {
      socket.on('error', () => undefined);
      cleanups.push(() => {
        socket.destroy();
      });
    });
    silent.listen(0, host);
    await once(silent, 'listening');
    cleanups.push(
      () =>
        new Promise<void>((resolve) =>
          silent.close(() => {
            resolve();
          }),
        ),
    );
    const { port } = silent.address() as net.AddressInfo;
    await expect(connectSecure({ host, port, identity, logger, timeoutMs: 200 })).rejects.toMatchObject({
      code: 'ETIMEDOUT',
    });

    const closed = await listenSecure({ host, port: 0, identity, logger, onConnection: () => undefined });
    await closed.close();
    await expect(
      connectSecure({ host, port: closed.port, identity, logger, timeoutMs }),
    ).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
    expect(logger.entries).toEqual([]);
  });
});

interface TamperingProxy {
  readonly port: number;
  /** Flips one bit in the encrypted payload of the next record the client sends. */
  flipByteOfNextClientRecord(): void;
  /** A copy of the last whole record forwarded from the client. */
  lastClientRecord(): Buffer;
  /** Sends bytes to the server as if they came from the client. */
  injectTowardsServer(bytes: Buffer): void;
}

const tlsRecordHeaderBytes = 5;
const tlsApplicationDataType = 0x17;

/** A man in the middle on TCP: forwards bytes, and splits the client's stream into TLS records. */
async function startProxy(targetPort: number): Promise<TamperingProxy> {
  const sockets = new Set<net.Socket>();
  let flipNext = false;
  let lastRecord: Buffer | undefined;
  let upstream: net.Socket | undefined;
  const server = net.createServer((downstream) => {
    const toServer = net.connect(targetPort, host);
    upstream = toServer;
    for (const socket of [downstream, toServer]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        sockets.delete(socket);
        downstream.destroy();
        toServer.destroy();
      });
    }
    toServer.on('data', (chunk: Buffer) => downstream.write(chunk));
    let pending = Buffer.alloc(0);
    downstream.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= tlsRecordHeaderBytes) {
        const recordBytes = tlsRecordHeaderBytes + pending.readUInt16BE(3);
        if (pending.length < recordBytes) break;
        const record = Buffer.from(pending.subarray(0, recordBytes));
        pending = pending.subarray(recordBytes);
        lastRecord = Buffer.from(record);
        if (flipNext && record.readUInt8(0) === tlsApplicationDataType) {
          flipNext = false;
          const offset = tlsRecordHeaderBytes + Math.floor((recordBytes - tlsRecordHeaderBytes) / 2);
          record.writeUInt8(record.readUInt8(offset) ^ 0x01, offset);
        }
        toServer.write(record);
      }
    });
  });
  server.listen(0, host);
  await once(server, 'listening');
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => {
          resolve();
        });
      }),
  );
  return {
    port: (server.address() as net.AddressInfo).port,
    flipByteOfNextClientRecord: () => {
      flipNext = true;
    },
    lastClientRecord: () => {
      if (lastRecord === undefined) throw new Error('no record forwarded yet');
      return Buffer.from(lastRecord);
    },
    injectTowardsServer: (bytes) => {
      if (upstream === undefined) throw new Error('no connection through the proxy');
      upstream.write(bytes);
    },
  };
}
