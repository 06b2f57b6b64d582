/**
 * The whole main process with Electron replaced by fakes: the modules are
 * wired as intended, and a real station in a temporary folder serves a full
 * vote through the IPC handlers, enters and leaves kiosk mode, refuses a
 * stranger, and stops cleanly on quit. Run against electron/main.ts and
 * against its bundle (electron/dist/main.js). The same flow with Electron's
 * real runtime is tests/electron/*.spec.ts.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import nacl from 'tweetnacl';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { BrowserWindowConstructorOptions } from 'electron';
import { interfaceOperations } from '../../../core/api/interface-api.ts';
import { fakeElectron as fake } from './fake-electron.ts';

type Answer = Record<string, unknown>;

async function call(operation: string, request: unknown, event: unknown = trustedEvent()): Promise<Answer> {
  const handler = fake.handlers.get(`evote:${operation}`);
  if (handler === undefined) throw new Error(`no handler for ${operation}`);
  return (await handler(event, request)) as Answer;
}

function window() {
  const created = fake.FakeBrowserWindow.created[0];
  if (created === undefined) throw new Error('no window');
  return created;
}

function trustedEvent() {
  return {
    sender: { id: window().webContents.id },
    senderFrame: { url: 'app://station/index.html#/', parent: null },
  };
}

async function signIn(kind: 'official' | 'voter', name: string, secretKey: Uint8Array): Promise<Uint8Array> {
  const { challenge } = await call(`${kind}Challenge`, { name });
  const signature = nacl.sign.detached(challenge as Uint8Array, secretKey);
  const answer = await call(`${kind}SignIn`, { name, signature });
  expect(answer).toHaveProperty('token');
  return answer.token as Uint8Array;
}

export function defineMainProcessSuite(name: string, load: () => Promise<unknown>): void {
  describe(name, () => {
    let userDataDir = '';
    beforeAll(async () => {
      userDataDir = await mkdtemp(path.join(tmpdir(), 'evote-main-process-'));
      const savedArgv = process.argv;
      process.argv = ['electron', '.', '--user-data-dir', userDataDir, '--primary', '--grpc', '127.0.0.1:0'];
      try {
        await load();
      } finally {
        process.argv = savedArgv;
      }
    }, 60_000);
    afterAll(async () => {
      await rm(userDataDir, { recursive: true, force: true });
    });

    it('sets up before the app is ready: userData, the app:// scheme, the single-instance lock', () => {
      expect(fake.app.setPath).toHaveBeenCalledWith('userData', userDataDir);
      const [schemes] = fake.module.protocol.registerSchemesAsPrivileged.mock.calls[0] as unknown as [
        unknown,
      ];
      expect(schemes).toMatchObject([{ scheme: 'app', privileges: { standard: true, secure: true } }]);
      expect(fake.app.requestSingleInstanceLock).toHaveBeenCalled();
      expect(fake.app.events.listenerCount('web-contents-created')).toBe(1);
      expect(fake.FakeBrowserWindow.created).toHaveLength(0);
    });

    it('starts the station and opens one secure window on the packaged interface', async () => {
      fake.app.resolveReady();
      await vi.waitFor(() => {
        expect(fake.FakeBrowserWindow.created).toHaveLength(1);
      }, 20_000);
      const options = window().options as BrowserWindowConstructorOptions;
      expect(options.webPreferences).toMatchObject({
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        webSecurity: true,
        devTools: false,
      });
      expect(options.webPreferences?.preload).toMatch(/electron[\\/]dist[\\/]preload\.cjs$/);
      await vi.waitFor(() => {
        expect(window().loadURL).toHaveBeenCalledWith('app://station/index.html');
      });
      expect(fake.module.session.defaultSession.protocol.handle).toHaveBeenCalledWith(
        'app',
        expect.any(Function),
      );
      expect(fake.module.Menu.setApplicationMenu).toHaveBeenCalledWith(null);
      expect(fake.handlers.size).toBe(interfaceOperations.length);
      const settings = JSON.parse(await readFile(path.join(userDataDir, 'settings.json'), 'utf8')) as unknown;
      expect(settings).toEqual({ version: 1, role: 'primary' });
    }, 30_000);

    it('serves a whole vote over IPC, with kiosk mode for the voter', async () => {
      expect(await call('overview', undefined)).toMatchObject({ needsFirstOfficial: true });
      const official = nacl.sign.keyPair();
      expect(await call('createFirstOfficial', { name: 'ann', publicKey: official.publicKey })).toMatchObject(
        {
          reason: 'ok',
        },
      );
      const session = await signIn('official', 'ann', official.secretKey);
      const voter = nacl.sign.keyPair();
      expect(
        await call('registerVoter', { session, name: 'alice', group: 'town', publicKey: voter.publicKey }),
      ).toMatchObject({ reason: 'ok' });
      const endsAtMs = Date.now() + 3_600_000;
      expect(
        await call('createElection', {
          session,
          name: 'mayor',
          groups: ['town'],
          choices: ['x', 'y'],
          endsAtMs,
        }),
      ).toMatchObject({ reason: 'ok' });

      // The interface goes to the voter screen: kiosk mode, no menu.
      window().webContents.emit('did-navigate-in-page', {}, 'app://station/index.html#/vote');
      expect(window().setKiosk).toHaveBeenLastCalledWith(true);
      expect(window().removeMenu).toHaveBeenCalled();
      const closing = { preventDefault: vi.fn() };
      window().emit('close', closing);
      expect(closing.preventDefault).toHaveBeenCalled();

      const token = await signIn('voter', 'alice', voter.secretKey);
      expect(await call('ballot', { token })).toMatchObject({
        voter: 'alice',
        elections: [{ name: 'mayor' }],
      });
      expect(await call('castVote', { token, election: 'mayor', choice: 'x' })).toMatchObject({
        reason: 'ok',
      });
      expect(await call('castVote', { token, election: 'mayor', choice: 'y' })).toMatchObject({
        reason: 'already-voted',
      });
      // A voter's sign-in does not leave kiosk mode; an official's does.
      expect(window().setKiosk).toHaveBeenLastCalledWith(true);
      await signIn('official', 'ann', official.secretKey);
      expect(window().setKiosk).toHaveBeenLastCalledWith(false);
    }, 30_000);

    it('pushes station events to the window', async () => {
      await vi.waitFor(() => {
        expect(
          window().webContents.send.mock.calls.some((args: unknown[]) => args[0] === 'evote:event'),
        ).toBe(true);
      });
    });

    it('refuses calls from a frame that is not the app window', async () => {
      const stranger = {
        sender: { id: 9999 },
        senderFrame: { url: 'app://station/index.html', parent: null },
      };
      await expect(call('overview', undefined, stranger)).rejects.toThrow(/refused/);
      const subFrame = {
        sender: { id: window().webContents.id },
        senderFrame: { url: 'app://station/', parent: {} },
      };
      await expect(call('overview', undefined, subFrame)).rejects.toThrow(/refused/);
    });

    it('stops the station cleanly on quit, then exits with 0', async () => {
      fake.app.quit();
      await vi.waitFor(() => {
        expect(fake.app.exit).toHaveBeenCalledWith(0);
      }, 20_000);
      // A clean stop compacts the log into a snapshot.
      expect(
        (await readdir(path.join(userDataDir, 'station'))).some((name) => name.endsWith('.evsnap')),
      ).toBe(true);
      const log = await readFile(path.join(userDataDir, 'logs', 'station.jsonl'), 'utf8');
      expect(log).toContain('"event":"station-stop-complete"');
      expect(log).not.toContain('"choice"');
    }, 30_000);
  });
}
