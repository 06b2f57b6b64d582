import { describe, expect, it } from 'vitest';
import { isCommandLineError, pairingOf, parseAppFlags, type AppFlags } from '../../electron/command-line.ts';
import { formatPairingKey } from '../../core/replication/pairing-key.ts';

const key = formatPairingKey(Uint8Array.from({ length: 20 }, (_, index) => index));

function flags(argv: string[]): AppFlags {
  const parsed = parseAppFlags(argv);
  if (isCommandLineError(parsed)) throw new Error(parsed.error);
  return parsed;
}

describe('the app command line', () => {
  it('ignores the app path and the switches Electron, Chromium and Playwright add', () => {
    const parsed = flags(['--inspect=0', '--remote-debugging-port=0', '.', '--no-sandbox', '--backup']);
    expect(parsed.role).toBe('backup');
    expect(parsed.grpc).toEqual({ host: '127.0.0.1', port: 50051 });
    expect(parsed.mdns).toBe(true);
  });

  it('passes the pairing flags through as `evote station` reads them', () => {
    const parsed = flags([
      '--primary',
      '--pair-key',
      key,
      '--sync',
      '127.0.0.1:6001',
      '--peer',
      '127.0.0.1:6002',
      '--no-mdns',
      '--failover-ms',
      '800',
      '--require-backup',
      '--user-data-dir',
      '/tmp/a',
      '--grpc',
      '127.0.0.1:0',
    ]);
    expect(parsed).toMatchObject({ role: 'primary', userDataDir: '/tmp/a', mdns: false, failoverMs: 800 });
    const pairing = pairingOf(parsed, 'primary');
    expect(pairing).toMatchObject({
      role: 'primary',
      sync: { host: '127.0.0.1', port: 6001 },
      peer: { host: '127.0.0.1', port: 6002 },
      mdns: false,
      failoverMs: 800,
      requireBackup: true,
    });
  });

  it('reports wrong values without exiting, and never repeats a pairing key', () => {
    expect(JSON.stringify(parseAppFlags(['--grpc', 'nowhere']))).toContain('HOST:PORT');
    expect(parseAppFlags(['--failover-ms', '-1'])).toHaveProperty('error');
    expect(parseAppFlags(['--primary', '--backup'])).toHaveProperty('error');
    const wrongKey = pairingOf(flags(['--pair-key', `${key.slice(0, -1)}U`]), 'primary');
    expect(wrongKey).toHaveProperty('error');
    expect(JSON.stringify(wrongKey)).not.toContain(key.slice(0, 10));
  });

  it('needs a pairing key for a backup, and runs a primary alone without one', () => {
    expect(pairingOf(flags([]), 'primary')).toBeNull();
    expect(JSON.stringify(pairingOf(flags(['--backup']), 'backup'))).toContain('needs the pairing key');
    expect(pairingOf(flags(['--peer', '127.0.0.1:1']), 'primary')).toHaveProperty('error');
    expect(pairingOf(flags(['--witness', '127.0.0.1:1']), 'primary')).toHaveProperty('error');
  });

  it('passes the witness through as `evote station --witness` does, and none without the flag', () => {
    const withWitness = pairingOf(flags(['--pair-key', key, '--witness', '127.0.0.1:6003']), 'backup');
    expect(withWitness).toMatchObject({ role: 'backup', witness: { host: '127.0.0.1', port: 6003 } });
    expect(pairingOf(flags(['--pair-key', key]), 'primary')).not.toHaveProperty('witness');
    expect(parseAppFlags(['--witness', 'nowhere'])).toHaveProperty('error');
  });
});
