/** The `evote` command line. */
import { Command, InvalidArgumentError, Option } from 'commander';
import envPaths from 'env-paths';
import { parseHostPort, type HostPort } from './host-port.ts';
import { runStation } from './station-command.ts';

interface StationFlags {
  readonly data: string;
  readonly grpc: HostPort;
  readonly allowRemoteRegistration: boolean;
}

const program = new Command('evote').description('Fault-tolerant e-voting station for polling stations');

program
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
  .action(async (flags: StationFlags) => {
    await runStation({
      dataDir: flags.data,
      grpc: flags.grpc,
      allowRemoteRegistration: flags.allowRemoteRegistration,
    });
  });

function hostPortArgument(value: string): HostPort {
  try {
    return parseHostPort(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.stderr.write(`evote: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
