/**
 * A whole station as one process runs it: the station, its gRPC server, the
 * interface API (with the audit log of what it logs), with `--http` the HTTP
 * server (the interface for a browser and /api/status), and, when paired,
 * replication over the secure channel and discovery by mDNS. The `evote
 * station` command and the Electron main process both start a station through
 * this one function.
 */
import { AuditLog } from '../api/audit-log.ts';
import { createStationInterface, type StationInterface } from '../api/station-interface.ts';
import { formatAddress, type HostPort } from '../cli/host-port.ts';
import { startDiscovery, type StationDiscovery } from '../discovery/station-discovery.ts';
import { startGrpcServer } from '../grpc/grpc-server.ts';
import { createSessionSecret, interfaceUrlOf, startInterfaceServer } from '../http/interface-server.ts';
import type { StationStatus } from '../station/station-status.ts';
import type { Logger } from '../logging/logger.ts';
import { replicationProtocolVersion, type StationRole } from '../replication/messages.ts';
import { clusterIdOf, deriveTlsIdentity } from '../replication/pairing-key.ts';
import { ReplicationManager, type ReplicationStatus } from '../replication/replication-manager.ts';
import { connectSecure, listenSecure, type SecureListener } from '../replication/secure-channel.ts';
import { systemClock, systemRandomBytes, systemTimers } from '../station/environment.ts';
import { Station } from '../station/station.ts';

export interface PairingConfig {
  readonly role: StationRole;
  /** Where this station listens for its peer. */
  readonly sync: HostPort;
  /** A fixed peer address; discovery still runs unless `mdns` is off. */
  readonly peer: HostPort | null;
  readonly pairingKey: Uint8Array;
  readonly mdns: boolean;
  readonly failoverMs: number;
  readonly requireBackup: boolean;
  /** The witness's address (--witness); absent without one. */
  readonly witness?: HostPort;
}

export interface StationRuntimeConfig {
  readonly dataDir: string;
  readonly grpc: HostPort;
  readonly allowRemoteRegistration: boolean;
  readonly http: HostPort | null;
  /** Null for a station that runs alone. */
  readonly pairing: PairingConfig | null;
}

export interface StationRuntime {
  readonly grpcAddress: string;
  readonly httpAddress: string | null;
  /** The browser interface's address with this run's session secret (`ui:`); null without HTTP. */
  readonly interfaceUrl: string | null;
  readonly stationId: string;
  /** What the interface's transports (IPC, HTTP) serve. */
  readonly interfaceApi: StationInterface;
  status(): StationStatus;
  stop(): Promise<void>;
}

/** In-flight gRPC calls get this long to finish at shutdown before they are cut. */
const shutdownGraceMs = 5_000;
const dialTimeoutMs = 2_000;

export async function startStationRuntime(
  config: StationRuntimeConfig,
  outerLogger: Logger,
): Promise<StationRuntime> {
  // Everything the station logs is also kept for officials to see in the interface.
  const auditLog = new AuditLog(systemClock);
  const logger = auditLog.wrap(outerLogger);
  const station = await Station.open({
    dataDir: config.dataDir,
    clock: systemClock,
    randomBytes: systemRandomBytes,
    logger,
  });
  const stops: (() => Promise<void>)[] = [() => station.close()];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop();
  };
  try {
    const grpcServer = await startGrpcServer(station, {
      address: formatAddress(config.grpc),
      allowRemoteRegistration: config.allowRemoteRegistration,
      logger,
    });
    stops.push(() => Promise.race([grpcServer.stop(), delay(shutdownGraceMs)]));
    const grpcAddress = formatAddress({ host: config.grpc.host, port: grpcServer.port });

    let replication: ReplicationManager | null = null;
    // Replication reports status changes from its start, before the interface exists.
    let interfaceApi: StationInterface | null = null;
    if (config.pairing !== null) {
      replication = await startPairing(config.pairing, station, grpcAddress, logger, stops, () => {
        interfaceApi?.statusChanged();
      });
    }
    const status = (): StationStatus => statusOf(station.stationId, replication?.status() ?? null);
    const api = createStationInterface({
      station,
      status,
      auditLog,
      clock: systemClock,
      timers: systemTimers,
      logger,
    });
    interfaceApi = api;
    stops.push(() => {
      api.close();
      return Promise.resolve();
    });

    let httpAddress: string | null = null;
    let interfaceUrl: string | null = null;
    if (config.http !== null) {
      const secret = createSessionSecret(systemRandomBytes);
      const httpServer = await startInterfaceServer({ ...config.http, status, api, secret, logger });
      stops.push(() => httpServer.stop());
      httpAddress = formatAddress({ host: config.http.host, port: httpServer.port });
      interfaceUrl = interfaceUrlOf(config.http.host, httpServer.port, secret);
    }
    return {
      grpcAddress,
      httpAddress,
      interfaceUrl,
      stationId: station.stationId,
      interfaceApi: api,
      status,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

async function startPairing(
  pairing: PairingConfig,
  station: Station,
  grpcAddress: string,
  logger: Logger,
  stops: (() => Promise<void>)[],
  onStatusChange: () => void,
): Promise<ReplicationManager> {
  const identity = await deriveTlsIdentity(pairing.pairingKey);
  let discovery: StationDiscovery | null = null;
  const dialSecure = async (address: string) => {
    const { host, port } = splitAddress(address);
    return connectSecure({ host, port, identity, logger, timeoutMs: dialTimeoutMs });
  };
  const manager = new ReplicationManager({
    station,
    preferredRole: pairing.role,
    grpcAddress,
    failoverMs: pairing.failoverMs,
    requireBackup: pairing.requireBackup,
    peerExpected: true,
    dial: dialSecure,
    ...(pairing.witness === undefined
      ? {}
      : { witness: { address: formatAddress(pairing.witness), dial: dialSecure } }),
    clock: systemClock,
    logger,
    onChange: (status) => {
      discovery?.update({ role: status.role, epoch: status.epoch });
      onStatusChange();
    },
  });
  const listener: SecureListener = await listenSecure({
    host: pairing.sync.host,
    port: pairing.sync.port,
    identity,
    logger,
    onConnection: (connection) => {
      manager.accept(connection);
    },
  });
  stops.push(() => listener.close());
  await manager.start();
  stops.push(() => manager.stop());
  if (pairing.peer !== null) manager.setPeerAddress(formatAddress(pairing.peer));
  if (pairing.mdns) {
    const status = manager.status();
    discovery = startDiscovery({
      advert: {
        clusterId: clusterIdOf(pairing.pairingKey),
        stationId: station.stationId,
        role: status.role,
        epoch: status.epoch,
        syncPort: listener.port,
        protocolVersion: replicationProtocolVersion,
      },
      logger,
      onPeer: (peer) => {
        const address = peer.addresses[0];
        if (address !== undefined)
          manager.setPeerAddress(formatAddress({ host: address, port: peer.syncPort }));
      },
    });
    const running = discovery;
    stops.push(() => running.stop());
  }
  return manager;
}

function statusOf(stationId: string, replication: ReplicationStatus | null): StationStatus {
  if (replication === null) {
    return {
      role: 'primary',
      epoch: 0,
      stationId,
      writable: true,
      unprotected: true,
      peer: { connected: false, inSync: false, address: '', stationId: '', lagRecords: 0 },
      witness: { configured: false, connected: false, address: '' },
      quorum: { held: false },
    };
  }
  return { ...replication, stationId };
}

function splitAddress(address: string): HostPort {
  const index = address.lastIndexOf(':');
  return { host: address.slice(0, index).replace(/^\[|\]$/g, ''), port: Number(address.slice(index + 1)) };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
