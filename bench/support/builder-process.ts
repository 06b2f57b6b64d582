/** Runs bench/scale-data-builder.ts in its own process (so it can be killed, and its memory is returned). */
import { fork } from 'node:child_process';
import path from 'node:path';
import type { BuilderReport, BuilderRequest } from '../scale-data-builder.ts';
import { killAndWait, type Scope } from './cleanup.ts';
import { benchDir, repoRoot } from './paths.ts';

const builderTimeoutMs = 20 * 60_000;

function isBuilderReport(value: unknown): value is BuilderReport {
  return (
    typeof value === 'object' &&
    value !== null &&
    'type' in value &&
    (value.type === 'built' || value.type === 'filled' || value.type === 'failed')
  );
}

/** Runs the builder with one request; resolves with its report (the process may still be alive). */
export async function runBuilder(
  scope: Scope,
  request: BuilderRequest,
): Promise<{ readonly report: BuilderReport; readonly kill: () => Promise<void> }> {
  const child = fork(path.join(benchDir, 'scale-data-builder.ts'), [], {
    cwd: repoRoot,
    execArgv: ['--import', 'tsx', '--max-old-space-size=8192'],
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  scope.adopt(child);
  const report = await new Promise<BuilderReport>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error('the data builder took too long'));
    }, builderTimeoutMs);
    child.once('message', (message: unknown) => {
      clearTimeout(timer);
      if (isBuilderReport(message)) resolve(message);
      else reject(new Error('the data builder sent an unexpected message'));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the data builder exited (${signal ?? String(code)}) before reporting`));
    });
    child.send(request);
  });
  if (report.type === 'failed') {
    await killAndWait(child);
    throw new Error(`the data builder failed: ${report.message}`);
  }
  return { report, kill: () => killAndWait(child, 'SIGKILL') };
}
