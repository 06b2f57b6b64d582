/** The `evote` command line. */
import path from 'node:path';
import { Command, Option } from 'commander';
import envPaths from 'env-paths';
import { generatePairingKey, parsePairingKey } from '../replication/pairing-key.ts';
import type { PairingConfig } from '../runtime/station-runtime.ts';
import { parseHostPort, type HostPort } from './host-port.ts';
import {
  addPairingOptions,
  hostPortArgument,
  isFlagError,
  pairingFlagsOf,
  pairingOf,
  type PairingOptions,
} from './pairing-flags.ts';
import { runStation } from './station-command.ts';
import { runWitness } from './witness-command.ts';

interface StationFlags extends PairingOptions {
  readonly data: string;
  readonly grpc: HostPort;
  readonly allowRemoteRegistration: boolean;
  readonly http?: HostPort;
  readonly role: 'primary' | 'backup';
}

interface WitnessFlags {
  readonly data: string;
  readonly sync: HostPort;
  readonly pairKey: string;
}

const program = new Command('evote').description('Fault-tolerant e-voting station for polling stations');

const stationCommand = program
  .command('station')
  .description('run a voting station (gRPC e-voting protocol) in this process until SIGINT or SIGTERM')
  .addOption(
    new Option('--data <dir>', 'data directory (log, snapshots, station identity)').default(
      envPaths('evote', { suffix: '' }).data,
    ),
  )
  .addOption(
    new Option('--grpc <host:port>', 'where to serve the gRPC e-voting protocol (port 0: any free port)')
      .argParser(hostPortArgument)
      .default(parseHostPort('127.0.0.1:50051'), '127.0.0.1:50051'),
  )
  .option(
    '--allow-remote-registration',
    'serve RegisterVoter/UnregisterVoter to callers on other machines',
    false,
  )
  .addOption(
    new Option(
      '--http <host:port>',
      'serve the web interface and GET /api/status here (prints its address with this run\'s secret as "ui: …")',
    ).argParser(hostPortArgument),
  )
  .addOption(
    new Option('--role <role>', 'the role this station takes when both stations are up')
      .choices(['primary', 'backup'])
      .default('primary'),
  );

addPairingOptions(stationCommand).action(async (flags: StationFlags) => {
  await runStation({
    dataDir: flags.data,
    grpc: flags.grpc,
    allowRemoteRegistration: flags.allowRemoteRegistration,
    http: flags.http ?? null,
    pairing: stationPairingOf(flags),
  });
});

program
  .command('pair-key')
  .description('print a fresh pairing key; give the same key to both stations with --pair-key')
  .action(() => {
    process.stdout.write('Pairing key (enter it on both stations; keep it secret):\n');
    process.stdout.write(`${generatePairingKey()}\n`);
  });

program
  .command('witness')
  .description(
    'run a witness for a pair of stations until SIGINT or SIGTERM: a third vote that holds no data, ' +
      'so that a cut link never lets both stations take changes',
  )
  .addOption(
    new Option('--data <dir>', "where the witness keeps its votes (not a station's directory)").default(
      path.join(envPaths('evote', { suffix: '' }).data, 'witness'),
    ),
  )
  .addOption(
    new Option('--sync <host:port>', 'where the witness listens for the stations')
      .argParser(hostPortArgument)
      .default(parseHostPort('0.0.0.0:50053'), '0.0.0.0:50053'),
  )
  .addOption(
    new Option(
      '--pair-key <key>',
      'the pairing key of the two stations (see `evote pair-key`)',
    ).makeOptionMandatory(),
  )
  .action(async (flags: WitnessFlags) => {
    await runWitness({ dataDir: flags.data, sync: flags.sync, pairingKey: pairingKeyOf(flags.pairKey) });
  });

/** Parsed here rather than by commander, whose error message would repeat the (almost right) secret. */
function pairingKeyOf(text: string): Uint8Array {
  const pairingKey = parsePairingKey(text);
  if ('error' in pairingKey) throw new Error(`--pair-key: ${pairingKey.error}`);
  return pairingKey;
}

function stationPairingOf(flags: StationFlags): PairingConfig | null {
  const pairing = pairingOf(pairingFlagsOf(flags), flags.role);
  if (isFlagError(pairing)) throw new Error(pairing.error);
  return pairing;
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.stderr.write(`evote: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
