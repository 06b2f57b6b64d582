/**
 * `evote station`: runs a station in this process until SIGINT or SIGTERM,
 * then stops cleanly (in-flight requests finish, the log is flushed and
 * compacted, the data directory is released).
 */
import { Station } from '../station/station.ts';
import { systemClock, systemRandomBytes } from '../station/environment.ts';
import { startGrpcServer } from '../grpc/grpc-server.ts';
import { createJsonLineLogger } from '../logging/logger.ts';
import { formatAddress, type HostPort } from './host-port.ts';

export interface StationCommandOptions {
  readonly dataDir: string;
  readonly grpc: HostPort;
  readonly allowRemoteRegistration: boolean;
}

/** In-flight gRPC calls get this long to finish at shutdown before they are cut. */
const shutdownGraceMs = 5_000;

export async function runStation(options: StationCommandOptions): Promise<void> {
  const logger = createJsonLineLogger((line) => process.stderr.write(line));
  logger.log('info', 'station-start-init', 'starting station', { dataDir: options.dataDir });
  const station = await Station.open({
    dataDir: options.dataDir,
    clock: systemClock,
    randomBytes: systemRandomBytes,
    logger,
  });
  const grpcServer = await startGrpcServer(station, {
    address: formatAddress(options.grpc),
    allowRemoteRegistration: options.allowRemoteRegistration,
    logger,
  }).catch(async (error: unknown) => {
    await station.close();
    throw error;
  });
  const grpcAddress = formatAddress({ host: options.grpc.host, port: grpcServer.port });
  logger.log('info', 'station-start-complete', 'station is serving', {
    stationId: station.stationId,
    grpcAddress,
  });
  process.stdout.write(`grpc: ${grpcAddress}\n`);

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.log('info', 'station-stop-init', 'stopping station', { signal });
    const grace = setTimeout(() => process.exit(1), shutdownGraceMs * 2);
    grace.unref();
    void (async () => {
      await Promise.race([grpcServer.stop(), delay(shutdownGraceMs)]);
      await station.close();
      logger.log('info', 'station-stop-complete', 'station stopped', {});
      process.exit(0);
    })();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
