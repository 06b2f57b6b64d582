/**
 * `evote station`: runs a station in this process until SIGINT or SIGTERM,
 * then stops cleanly (in-flight requests finish, the peer and the network are
 * told, the log is flushed and compacted, the data directory is released).
 */
import { createJsonLineLogger } from '../logging/logger.ts';
import { startStationRuntime, type StationRuntimeConfig } from '../runtime/station-runtime.ts';

/** If a clean stop hangs (a disk that stopped answering), the process still ends. */
const stopDeadlineMs = 15_000;

export async function runStation(config: StationRuntimeConfig): Promise<void> {
  const logger = createJsonLineLogger((line) => process.stderr.write(line));
  logger.log('info', 'station-start-init', 'starting station', { dataDir: config.dataDir });
  const runtime = await startStationRuntime(config, logger);
  const status = runtime.status();
  logger.log('info', 'station-start-complete', 'station is serving', {
    stationId: runtime.stationId,
    grpcAddress: runtime.grpcAddress,
    role: status.role,
  });
  process.stdout.write(`grpc: ${runtime.grpcAddress}\n`);
  if (runtime.httpAddress !== null) process.stdout.write(`http: http://${runtime.httpAddress}/api/status\n`);
  // The only place the session secret is shown: officials open this address, tests read it.
  if (runtime.interfaceUrl !== null) process.stdout.write(`ui: ${runtime.interfaceUrl}\n`);

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.log('info', 'station-stop-init', 'stopping station', { signal });
    setTimeout(() => process.exit(1), stopDeadlineMs).unref();
    void runtime.stop().then(() => {
      logger.log('info', 'station-stop-complete', 'station stopped', {});
      process.exit(0);
    });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
