/** The `evote` command line. */
import { Command, InvalidArgumentError } from 'commander';
import envPaths from 'env-paths';
import { parseHostPort } from './host-port.ts';
import { runStation } from './station-command.ts';

const program = new Command('evote').description('Fault-tolerant e-voting station for polling stations');

program
  .command('station')
  .description('run a voting station (gRPC e-voting protocol) in this process until SIGINT or SIGTERM')
  .option(
    '--data <dir>',
    'data directory (log, snapshots, station identity)',
    envPaths('evote', { suffix: '' }).data,
  )
  .option(
    '--grpc <host:port>',
    'where to serve the gRPC e-voting protocol',
    hostPortArgument,
    parseHostPort('127.0.0.1:50051'),
  )
  .option(
    '--allow-remote-registration',
    'serve RegisterVoter/UnregisterVoter to callers on other machines',
    false,
  )
  .action(
    async (options: {
      data: string;
      grpc: ReturnType<typeof parseHostPort>;
      allowRemoteRegistration: boolean;
    }) => {
      await runStation({
        dataDir: options.data,
        grpc: options.grpc,
        allowRemoteRegistration: options.allowRemoteRegistration,
      });
    },
  );

function hostPortArgument(value: string): ReturnType<typeof parseHostPort> {
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
