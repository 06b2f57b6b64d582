/**
 * The channel between the two stations: mutual TLS 1.3 where both sides
 * present the key pair derived from the pairing key, and each side accepts
 * the other only if it presents that same public key. On top of TLS, messages
 * are framed as a 32-bit big-endian length followed by the bytes.
 *
 * Why the usual certificate checks are switched off, and why that is safe:
 * the certificates are self-signed, so chain validation would always fail;
 * instead each side pins the peer's public key to its own. In TLS 1.3 a peer
 * must sign the handshake transcript with the private key of the certificate
 * it presents (CertificateVerify), and OpenSSL and BoringSSL check that
 * signature whatever the verification mode. A peer whose public key matches
 * therefore holds the derived private key, which only the pairing key yields.
 * The pin is checked before a single application byte is read or written.
 *
 * Integrity and replay protection come from TLS itself (AEAD records with
 * implicit sequence numbers): a tampered, replayed or reordered record makes
 * the TLS library fail the connection, which is logged and dropped here.
 */
import { constants, createHash, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import * as tls from 'node:tls';
import type { Logger } from '../logging/logger.ts';
import type { TlsIdentity } from './pairing-key.ts';
import { replicationLimits } from './replication-limits.ts';

export interface SecureConnection {
  /** The peer's IP address, as Node reports it. */
  readonly remoteAddress: string;
  readonly remotePort: number;
  /**
   * Queues one message. False means the send buffer is full: wait for
   * `drained()` before sending more. After the connection closed, messages
   * are dropped and false is returned. The bytes are copied, so the caller
   * may reuse `message` at once.
   */
  send(message: Uint8Array): boolean;
  /** Resolves once the send buffer has room again; rejects if the connection closes first. */
  drained(): Promise<void>;
  /**
   * Registers a handler for each message, in order. Reading starts with the
   * first handler, so nothing is lost between connecting and registering.
   */
  onMessage(handler: (message: Uint8Array) => void): void;
  /** Called once when the connection is gone, with why (e.g. `closed by the peer`). */
  onClose(handler: (reason: string) => void): void;
  /** Sends what is queued, then closes. */
  close(): void;
  readonly isClosed: boolean;
}

export interface SecureListener {
  /** The port actually bound (useful when listening on port 0). */
  readonly port: number;
  /** Stops accepting and closes every connection this listener accepted. */
  close(): Promise<void>;
}

export interface ListenSecureOptions {
  readonly host: string;
  readonly port: number;
  readonly identity: TlsIdentity;
  readonly logger: Logger;
  /** A peer that proved it holds the pairing key. */
  readonly onConnection: (connection: SecureConnection) => void;
}

export interface ConnectSecureOptions {
  readonly host: string;
  readonly port: number;
  readonly identity: TlsIdentity;
  readonly logger: Logger;
  /** Covers the TCP connection and the TLS handshake together. */
  readonly timeoutMs: number;
}

/** The peer completed TLS but is not one of ours (e.g. a different pairing key). */
export class PeerRejectedError extends Error {
  readonly code = 'ERR_REPLICATION_PEER_REJECTED';
  constructor(readonly reason: string) {
    super(`the peer was rejected: ${reason}`);
    this.name = 'PeerRejectedError';
  }
}

const frameHeaderBytes = 4;
/** How long a closing connection may take to flush before it is cut. */
const closeGraceMs = 5_000;

/** Options both ends share: TLS 1.3 only, our derived key, and the pin as the only authentication. */
function tlsOptions(identity: TlsIdentity): tls.SecureContextOptions & tls.CommonConnectionOptions {
  return {
    key: identity.keyPem,
    cert: identity.certPem,
    minVersion: 'TLSv1.3',
    // Chain validation cannot succeed for self-signed certificates; the pin
    // checked in rejectionReason() replaces it (see the top of this file).
    rejectUnauthorized: false,
  };
}

export async function listenSecure(options: ListenSecureOptions): Promise<SecureListener> {
  const { identity, logger } = options;
  const accepted = new Set<FramedConnection>();
  const server = tls.createServer({
    ...tlsOptions(identity),
    requestCert: true,
    handshakeTimeout: replicationLimits.handshakeTimeoutMs,
    // No session tickets: every connection does a full handshake with
    // certificates, so the pin is always checked on fresh proof.
    secureOptions: constants.SSL_OP_NO_TICKET,
  });
  server.maxConnections = replicationLimits.connectionsMax;

  server.on('secureConnection', (socket) => {
    const reason = rejectionReason(socket, identity);
    if (reason !== null) {
      // The listener must be in place before destroy(), which may report a reset.
      socket.on('error', () => undefined);
      logRejection(logger, socket, reason);
      socket.destroy();
      return;
    }
    const connection = new FramedConnection(socket, logger);
    accepted.add(connection);
    connection.onClose(() => accepted.delete(connection));
    try {
      options.onConnection(connection);
    } catch (error) {
      logger.log('error', 'internal-error', 'accepting a replication connection failed', {
        peer: peerOf(socket),
        error: error instanceof Error ? error.name : 'unknown',
      });
      connection.abort('accepting the connection failed');
    }
  });
  // Handshake failures (wrong protocol, timeouts, resets, bad records) land
  // here; Node destroys the socket itself.
  server.on('tlsClientError', (error, socket) => {
    logChannelError(logger, socket, error);
  });

  // A failure to bind (e.g. port in use) is the caller's to report.
  await new Promise<void>((resolve, reject) => {
    const onListenError = (error: Error): void => {
      reject(error);
    };
    server.once('error', onListenError);
    server.listen(options.port, options.host, () => {
      server.off('error', onListenError);
      resolve();
    });
  });
  server.on('error', (error: Error) => {
    logger.log('error', 'replication-channel-error', 'the replication listener failed', {
      code: errorCode(error),
    });
  });

  const { port } = server.address() as AddressInfo;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        for (const connection of accepted) connection.abort('the listener was closed');
      }),
  };
}

export function connectSecure(options: ConnectSecureOptions): Promise<SecureConnection> {
  const { identity, logger } = options;
  return new Promise<SecureConnection>((resolve, reject) => {
    const socket = tls.connect({
      ...tlsOptions(identity),
      host: options.host,
      port: options.port,
    });
    let settled = false;
    const fail = (error: Error, flushFirst = false): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (flushFirst) endGracefully(socket);
      else socket.destroy();
      reject(error);
    };
    const timer = setTimeout(() => {
      const error = new Error(
        `no TLS connection to ${options.host}:${options.port} within ${options.timeoutMs} ms`,
      );
      Object.assign(error, { code: 'ETIMEDOUT' });
      fail(error);
    }, options.timeoutMs);
    const onHandshakeError = (error: Error): void => {
      // TLS failures say something about the peer; plain network failures
      // (refused, unreachable) are the caller's to report, it retries them.
      if (/^ERR_(SSL|TLS)_/.test(errorCode(error))) logChannelError(logger, socket, error);
      fail(error);
    };
    const onEarlyClose = (): void => {
      fail(
        Object.assign(new Error('the connection closed during the TLS handshake'), { code: 'ECONNRESET' }),
      );
    };
    socket.on('error', onHandshakeError);
    socket.once('close', onEarlyClose);
    socket.once('secureConnect', () => {
      if (settled) return;
      const reason = rejectionReason(socket, identity);
      if (reason !== null) {
        logRejection(logger, socket, reason);
        // Our Finished message may still be queued; flushing it lets the
        // server complete the handshake, check the pin itself and log it too.
        fail(new PeerRejectedError(reason), true);
        return;
      }
      settled = true;
      clearTimeout(timer);
      // The connection installs its own listeners before these go, so an
      // error is never without a listener.
      const connection = new FramedConnection(socket, logger);
      socket.off('error', onHandshakeError);
      socket.off('close', onEarlyClose);
      resolve(connection);
    });
  });
}

/** Why the peer may not replicate with us, or null if it holds our pairing key. */
function rejectionReason(socket: tls.TLSSocket, identity: TlsIdentity): string | null {
  // Resumption skips the certificate; we never resume, so a resumed session is not ours.
  if (socket.isSessionReused()) return 'session resumption is not accepted';
  const certificate = socket.getPeerX509Certificate();
  if (certificate === undefined) return 'no certificate';
  const peerFingerprint = createHash('sha256')
    .update(certificate.publicKey.export({ type: 'spki', format: 'der' }))
    .digest();
  const ownFingerprint = Buffer.from(identity.publicKeySpkiSha256, 'hex');
  if (peerFingerprint.length !== ownFingerprint.length || !timingSafeEqual(peerFingerprint, ownFingerprint))
    return 'wrong pairing key';
  return null;
}

class FramedConnection implements SecureConnection {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly #socket: tls.TLSSocket;
  readonly #logger: Logger;
  readonly #messageHandlers: ((message: Uint8Array) => void)[] = [];
  readonly #closeHandlers: ((reason: string) => void)[] = [];
  /** Received bytes not yet delivered, in order. */
  #chunks: Buffer[] = [];
  #bufferedBytes = 0;
  /** Length of the frame being received, once its header has been read. */
  #frameBytes: number | null = null;
  /** Why we are closing, if the decision was ours (or an error's). */
  #closeReason: string | null = null;
  #closed = false;

  constructor(socket: tls.TLSSocket, logger: Logger) {
    this.#socket = socket;
    this.#logger = logger;
    this.remoteAddress = socket.remoteAddress ?? 'unknown';
    this.remotePort = socket.remotePort ?? 0;
    // Replication waits for each acknowledgement, so small frames must not linger.
    socket.setNoDelay(true);
    socket.on('error', (error: Error) => {
      this.#closeReason ??= `channel error (${errorCode(error)})`;
      logChannelError(logger, socket, error);
      // After the handshake Node reports TLS failures (bad record MAC, alerts)
      // without closing the socket; a failed channel must not linger.
      socket.destroy();
    });
    socket.on('close', () => {
      this.#closed = true;
      this.#chunks = [];
      this.#bufferedBytes = 0;
      const reason = this.#closeReason ?? 'closed by the peer';
      for (const handler of this.#closeHandlers.splice(0)) handler(reason);
    });
  }

  get isClosed(): boolean {
    return this.#closed || this.#closeReason !== null;
  }

  send(message: Uint8Array): boolean {
    if (message.length > replicationLimits.replicationFrameBytesMax)
      throw new RangeError(
        `a replication message has at most ${replicationLimits.replicationFrameBytesMax} bytes, not ${message.length}`,
      );
    if (this.isClosed || !this.#socket.writable) return false;
    const frame = Buffer.allocUnsafe(frameHeaderBytes + message.length);
    frame.writeUInt32BE(message.length, 0);
    frame.set(message, frameHeaderBytes);
    return this.#socket.write(frame);
  }

  drained(): Promise<void> {
    if (this.isClosed) return Promise.reject(new Error('the replication connection is closed'));
    if (!this.#socket.writableNeedDrain) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const onDrain = (): void => {
        this.#socket.off('close', onClose);
        resolve();
      };
      const onClose = (): void => {
        this.#socket.off('drain', onDrain);
        reject(new Error('the replication connection closed before its send buffer drained'));
      };
      this.#socket.once('drain', onDrain);
      this.#socket.once('close', onClose);
    });
  }

  onMessage(handler: (message: Uint8Array) => void): void {
    this.#messageHandlers.push(handler);
    if (this.#messageHandlers.length === 1)
      this.#socket.on('data', (chunk: Buffer) => {
        this.#receive(chunk);
      });
  }

  onClose(handler: (reason: string) => void): void {
    if (this.#closed) {
      handler(this.#closeReason ?? 'closed by the peer');
      return;
    }
    this.#closeHandlers.push(handler);
  }

  close(): void {
    if (this.isClosed) return;
    this.#closeReason = 'closed locally';
    endGracefully(this.#socket);
  }

  /** Cuts the connection at once, dropping anything still queued. */
  abort(reason: string): void {
    this.#closeReason ??= reason;
    this.#socket.destroy();
  }

  #receive(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#bufferedBytes += chunk.length;
    // Stop as soon as we decided to close: nothing after that point is delivered.
    while (this.#closeReason === null) {
      if (this.#frameBytes === null) {
        if (this.#bufferedBytes < frameHeaderBytes) return;
        const frameBytes = this.#take(frameHeaderBytes).readUInt32BE(0);
        if (frameBytes > replicationLimits.replicationFrameBytesMax) {
          this.#rejectFrame(frameBytes);
          return;
        }
        this.#frameBytes = frameBytes;
      }
      if (this.#bufferedBytes < this.#frameBytes) return;
      const message = this.#take(this.#frameBytes);
      this.#frameBytes = null;
      this.#deliver(message);
    }
  }

  /** Removes the next `count` buffered bytes; the caller checked that they are there. */
  #take(count: number): Buffer {
    this.#bufferedBytes -= count;
    const first = this.#chunks[0];
    if (first !== undefined && first.length >= count) {
      if (first.length === count) this.#chunks.shift();
      else this.#chunks[0] = first.subarray(count);
      return first.subarray(0, count);
    }
    const taken = Buffer.allocUnsafe(count);
    let filledBytes = 0;
    while (filledBytes < count) {
      const chunk = this.#chunks[0];
      if (chunk === undefined) throw new Error('replication frame buffer underrun');
      const pieceBytes = Math.min(chunk.length, count - filledBytes);
      chunk.copy(taken, filledBytes, 0, pieceBytes);
      filledBytes += pieceBytes;
      if (pieceBytes === chunk.length) this.#chunks.shift();
      else this.#chunks[0] = chunk.subarray(pieceBytes);
    }
    return taken;
  }

  #deliver(message: Uint8Array): void {
    for (const handler of this.#messageHandlers) {
      if (this.#closeReason !== null) return;
      try {
        handler(message);
      } catch (error) {
        // A failing handler costs this connection, never the process.
        this.#logger.log('error', 'internal-error', 'a replication message handler failed', {
          peer: peerOf(this.#socket),
          error: error instanceof Error ? error.name : 'unknown',
        });
        this.abort('message handler failed');
        return;
      }
    }
  }

  #rejectFrame(frameBytes: number): void {
    this.#logger.log('warn', 'replication-frame-rejected', 'the peer sent a frame above the limit', {
      peer: peerOf(this.#socket),
      frameBytes,
      frameBytesMax: replicationLimits.replicationFrameBytesMax,
    });
    this.abort('frame too large');
  }
}

/** Flushes what is queued and closes, but never waits on the peer for long. */
function endGracefully(socket: tls.TLSSocket): void {
  socket.end();
  const timer = setTimeout(() => socket.destroy(), closeGraceMs);
  timer.unref();
  socket.once('close', () => {
    clearTimeout(timer);
  });
}

function logRejection(logger: Logger, socket: tls.TLSSocket, reason: string): void {
  logger.log('warn', 'replication-peer-rejected', 'a station without our pairing key was refused', {
    peer: peerOf(socket),
    reason,
  });
}

/** Only the address and the error code: never payload bytes. */
function logChannelError(logger: Logger, socket: tls.TLSSocket, error: Error): void {
  logger.log('warn', 'replication-channel-error', 'the replication connection failed', {
    peer: peerOf(socket),
    code: errorCode(error),
  });
}

function peerOf(socket: tls.TLSSocket): string {
  const address = socket.remoteAddress ?? 'unknown';
  const port = socket.remotePort ?? 0;
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

function errorCode(error: Error): string {
  const { code } = error as NodeJS.ErrnoException;
  return typeof code === 'string' ? code : 'unknown';
}
