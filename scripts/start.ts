/**
 * `npm start` (after `npm run build:ui`): the Electron app where Electron's
 * runtime is installed; where it is not, the headless station with its web
 * interface on 127.0.0.1:5780, saying so plainly. Arguments after `--` go to
 * either (`--primary`/`--backup` become `--role …` for the headless station).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { findElectronRuntime } from '../electron/electron-runtime.ts';
import { buildElectron } from './build-electron.ts';

const root = fileURLToPath(new URL('../', import.meta.url));
export const headlessInterfaceAddress = '127.0.0.1:5780';

export function fallbackMessage(reason: string): string {
  return (
    "Electron's runtime is not installed here; starting the headless station with its web interface " +
    `instead: ${reason}. Open the address on the "ui:" line below in a browser.\n`
  );
}

/** The `evote station` command line for the headless station. */
export function headlessArguments(args: readonly string[]): string[] {
  const translated = args.flatMap((argument) =>
    argument === '--backup'
      ? ['--role', 'backup']
      : argument === '--primary'
        ? ['--role', 'primary']
        : [argument],
  );
  const hasHttp = translated.some((argument) => argument === '--http' || argument.startsWith('--http='));
  return ['station', ...(hasHttp ? [] : ['--http', headlessInterfaceAddress]), ...translated];
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const runtime = findElectronRuntime();
  if (!runtime.available) {
    process.stdout.write(fallbackMessage(runtime.reason));
    // The station runs in this very process, so signals reach it directly.
    process.argv = [process.argv[0] ?? 'node', 'evote', ...headlessArguments(args)];
    await import('../core/cli/main.ts');
    return;
  }
  await buildElectron();
  process.stdout.write(`Starting the evote station app with Electron (${runtime.executable})\n`);
  const env = { ...process.env };
  delete env.ELECTRON_RUN_AS_NODE;
  const child = spawn(runtime.executable, [root, ...args], { stdio: 'inherit', env });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => {
    process.exit(code ?? (signal === null ? 0 : 1));
  });
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) await main();
