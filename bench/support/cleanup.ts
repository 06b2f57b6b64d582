/**
 * Temporary directories and child processes are always cleaned up: each
 * section owns a `Scope` that undoes everything it set up, in reverse order,
 * whether the section finished or failed; and if the bench itself is
 * interrupted (SIGINT, SIGTERM, an uncaught error), whatever is still alive is
 * killed and removed synchronously before it exits.
 */
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const liveDirectories = new Set<string>();
const liveChildren = new Set<ChildProcess>();

export class Scope {
  private readonly actions: (() => Promise<void> | void)[] = [];

  defer(action: () => Promise<void> | void): void {
    this.actions.push(action);
  }

  /** A fresh directory on the real disk (the OS temp dir), removed when the scope closes. */
  async temporaryDirectory(prefix = 'evote-bench-'): Promise<string> {
    const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
    liveDirectories.add(dir);
    this.defer(async () => {
      await rm(dir, { recursive: true, force: true });
      liveDirectories.delete(dir);
    });
    return dir;
  }

  /** Tracks a child process: it is killed (SIGKILL) when the scope closes if it is still running. */
  adopt(child: ChildProcess): void {
    liveChildren.add(child);
    child.once('exit', () => liveChildren.delete(child));
    this.defer(() => killAndWait(child));
  }

  /** Runs every deferred action, newest first; failures are reported, not thrown, so all of them run. */
  async close(): Promise<void> {
    for (const action of this.actions.splice(0).reverse()) {
      try {
        await action();
      } catch (error) {
        process.stderr.write(
          `bench: cleanup failed: ${error instanceof Error ? error.message : String(error)}\n`,
        );
      }
    }
  }
}

export function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

export async function killAndWait(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (!isRunning(child)) return;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      resolve();
    });
  });
  child.kill(signal);
  await exited;
}

/** Last resort when the bench is interrupted: kill the children and remove the directories it made. */
export function installEmergencyCleanup(): void {
  const emergency = (exitCode: number): void => {
    for (const child of liveChildren) {
      if (isRunning(child)) child.kill('SIGKILL');
    }
    for (const dir of liveDirectories) rmSync(dir, { recursive: true, force: true });
    process.exit(exitCode);
  };
  process.once('SIGINT', () => {
    emergency(130);
  });
  process.once('SIGTERM', () => {
    emergency(143);
  });
  process.once('uncaughtException', (error) => {
    process.stderr.write(`bench: ${error.stack ?? error.message}\n`);
    emergency(1);
  });
}
