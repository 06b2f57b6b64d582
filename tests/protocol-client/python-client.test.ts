/**
 * The independent Python client (check_protocol.py, grpcio + PyNaCl) checks
 * every case of shared/protocol.md against a real `evote station` process,
 * then again after the station was SIGKILLed and restarted on the same data
 * directory.
 *
 * Needs the Debian packages python3-grpcio python3-nacl python3-protobuf
 * protobuf-compiler (for /usr/bin/python3); skipped, naming what is missing,
 * without them.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  freeLoopbackAddress,
  killRunningStations,
  runToEnd,
  startStation,
  type CommandOutcome,
} from '../support/station-process.ts';

const python = '/usr/bin/python3';
const clientScript = path.resolve('tests/protocol-client/check_protocol.py');
const protoFile = path.resolve('core/protocol/voting.proto');
const clientTimeoutMs = 90_000;

/** What this test needs on the machine, and the Debian package providing it. */
function missingPrerequisites(): string[] {
  const missing: string[] = [];
  const pythonModules: readonly (readonly [string, string])[] = [
    ['grpc', 'python3-grpcio'],
    ['nacl', 'python3-nacl'],
    ['google.protobuf', 'python3-protobuf'],
  ];
  for (const [module, debianPackage] of pythonModules) {
    const probe = spawnSync(python, ['-c', `import ${module}`], { stdio: 'ignore' });
    if (probe.status !== 0) missing.push(`${debianPackage} (${python} cannot import ${module})`);
  }
  const protoc = spawnSync('protoc', ['--version'], { stdio: 'ignore' });
  if (protoc.status !== 0) missing.push('protobuf-compiler (no protoc on PATH)');
  return missing;
}

const missing = missingPrerequisites();
const skipReason =
  missing.length === 0
    ? ''
    : ` — SKIPPED, missing: ${missing.join('; ')}; apt-get install -y python3-grpcio python3-nacl python3-protobuf protobuf-compiler`;
if (missing.length > 0) console.warn(`python protocol client test${skipReason}`);

type RunResult = CommandOutcome;

function run(command: string, args: readonly string[], timeoutMs: number): Promise<RunResult> {
  return runToEnd(command, args, timeoutMs, {
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONNOUSERSITE: '1', PYTHONPATH: '' },
    onTimeout: 'resolve',
  });
}

/** Asserts a phase ran cases and all passed; the message carries both sides' output. */
function expectAllPassed(phase: string, result: RunResult, stationLogs: string): void {
  const report =
    `phase ${phase}: exit ${String(result.code)} (signal ${String(result.signal)})\n` +
    `--- client stdout ---\n${result.stdout}\n--- client stderr ---\n${result.stderr}\n` +
    `--- station logs ---\n${stationLogs}`;
  const summary = /^(\d+) passed, (\d+) failed$/m.exec(result.stdout);
  expect(summary, report).not.toBeNull();
  expect(Number(summary?.[1]), report).toBeGreaterThan(0);
  expect(summary?.[2], report).toBe('0');
  expect(result.code, report).toBe(0);
}

describe.skipIf(missing.length > 0)(`independent Python protocol client${skipReason}`, () => {
  const directories: string[] = [];

  afterEach(async () => {
    await killRunningStations();
    await Promise.all(directories.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('passes every protocol case on a fresh station and keeps state, votes and tokens across SIGKILL and restart', async () => {
    const work = await mkdtemp(path.join(os.tmpdir(), 'evote-pyclient-'));
    directories.push(work);
    const dataDir = path.join(work, 'data');
    const generated = path.join(work, 'generated');
    const stateFile = path.join(work, 'state.json');
    await mkdir(generated);

    const protoc = await run(
      'protoc',
      ['-I', path.dirname(protoFile), '--python_out', generated, protoFile],
      30_000,
    );
    expect(protoc.code, `protoc failed:\n${protoc.stderr}`).toBe(0);
    const importCheck = await run(
      python,
      ['-c', `import sys; sys.path.insert(0, ${JSON.stringify(generated)}); import voting_pb2`],
      30_000,
    );
    expect(importCheck.code, `generated voting_pb2 does not import:\n${importCheck.stderr}`).toBe(0);

    const grpcAddress = await freeLoopbackAddress();
    const clientArgs = (phase: string): string[] => [
      clientScript,
      '--target',
      grpcAddress,
      '--phase',
      phase,
      '--state-file',
      stateFile,
      '--pb2-dir',
      generated,
    ];

    // Phase 1: a fresh station.
    const first = await startStation({ dataDir, grpcAddress });
    expect(first.grpcAddress).toBe(grpcAddress);
    const fresh = await run(python, clientArgs('fresh'), clientTimeoutMs);
    expectAllPassed('fresh', fresh, first.logs());

    // A crash: no chance to flush or compact anything.
    const killed = await first.stop('SIGKILL');
    expect(killed.signal).toBe('SIGKILL');

    // Phase 2: the same data directory and port.
    const second = await startStation({ dataDir, grpcAddress });
    const afterRestart = await run(python, clientArgs('after-restart'), clientTimeoutMs);
    expectAllPassed('after-restart', afterRestart, `${first.logs()}\n--- (restarted) ---\n${second.logs()}`);

    // A clean stop.
    const stopped = await second.stop('SIGTERM');
    expect(stopped, `station logs:\n${second.logs()}`).toEqual({ code: 0, signal: null });
  }, 120_000);
});
