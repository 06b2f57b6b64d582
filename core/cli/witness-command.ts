/**
 * `evote witness`: runs a witness in this process until SIGINT or SIGTERM,
 * then stops cleanly (connections closed, the data directory released). It
 * prints `witness: HOST:PORT` once it listens; its log is JSON lines on stderr.
 */
import { createJsonLineLogger } from '../logging/logger.ts';
import { startWitness } from '../witness/witness-server.ts';
import { formatAddress, type HostPort } from './host-port.ts';

export interface WitnessConfig {
  readonly dataDir: string;
  /** Where the witness listens for the stations. */
  readonly sync: HostPort;
  readonly pairingKey: Uint8Array;
}

/** If a clean stop hangs, the process still ends. */
const stopDeadlineMs = 10_000;

export async function runWitness(config: WitnessConfig): Promise<void> {
  const logger = createJsonLineLogger((line) => process.stderr.write(line));
  logger.log('info', 'witness-start-init', 'starting the witness', { dataDir: config.dataDir });
  const witness = await startWitness({
    dataDir: config.dataDir,
    host: config.sync.host,
    port: config.sync.port,
    pairingKey: config.pairingKey,
    logger,
  });
  process.stdout.write(`witness: ${formatAddress({ host: config.sync.host, port: witness.port })}\n`);

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.log('info', 'witness-stop-init', 'stopping the witness', { signal });
    setTimeout(() => process.exit(1), stopDeadlineMs).unref();
    void witness.stop().then(() => {
      logger.log('info', 'witness-stop-complete', 'the witness stopped', {});
      process.exit(0);
    });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
