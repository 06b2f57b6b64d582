/**
 * The Electron app's main process: a thin shell around the station from
 * core/. Each concern is a small module enabled here in one line; the station
 * runs in this process through `startStationRuntime`, and the window reaches
 * it only through the preload bridge.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, Menu, protocol, session } from 'electron';
import type { StationRole } from '../core/replication/messages.ts';
import { startStationRuntime, type StationRuntime } from '../core/runtime/station-runtime.ts';
import { relaunchArguments, stationMenuTemplate } from './app-menu.ts';
import { appSchemePrivileges, interfaceEntryUrl } from './app-protocol.ts';
import { isCommandLineError, pairingOf, parseAppFlags, type AppFlags } from './command-line.ts';
import { checkCrypto } from './crypto-check.ts';
import { forwardEvents, isSignedIn, serveInterfaceApi } from './ipc-bridge.ts';
import { isTrustedSender } from './ipc-sender.ts';
import { KioskController } from './kiosk.ts';
import { chooseRole, readSettings, writeSettings } from './mode-settings.ts';
import { blockNavigation } from './navigation-guard.ts';
import { applySessionPolicy } from './session-policy.ts';
import { stopCleanlyOnQuit } from './shutdown.ts';
import { enforceSingleInstance } from './single-instance.ts';
import { openAppLog, runtimeConfigOf, type AppLog } from './station-host.ts';
import { mainWindowOptions, WindowManager } from './window-manager.ts';

// Bundled, this file is electron/dist/main.js; as a source (in tests) it is electron/main.ts.
const ownFolder = path.basename(path.dirname(fileURLToPath(import.meta.url)));
const appRoot = fileURLToPath(new URL(ownFolder === 'dist' ? '../../' : '../', import.meta.url));
const preloadPath = path.join(appRoot, 'electron', 'dist', 'preload.cjs');
const interfaceDir = path.join(appRoot, 'renderer', 'dist');
const iconPath = path.join(appRoot, 'build', 'icon.png');
const userDataFolderName = 'evote';

const flags = parseAppFlags(process.argv.slice(1));
if (isCommandLineError(flags)) {
  dialog.showErrorBox('evote station: wrong command line', flags.error);
  app.exit(2);
} else {
  runApp(flags);
}

function runApp(flags: AppFlags): void {
  // Everything here runs before the app is ready, as Electron requires of these calls.
  // Named explicitly, so the folder is the same in development and in every installer.
  const defaultUserDataDir = path.join(app.getPath('appData'), userDataFolderName);
  app.setPath('userData', flags.userDataDir === null ? defaultUserDataDir : path.resolve(flags.userDataDir));
  const userDataDir = app.getPath('userData');
  protocol.registerSchemesAsPrivileged([appSchemePrivileges]);
  const windows = new WindowManager(
    (options) => new BrowserWindow(options),
    mainWindowOptions(preloadPath, iconPath),
  );
  const log = openAppLog(userDataDir, (line) => process.stderr.write(line));
  const { logger } = log;
  let runtime: StationRuntime | null = null;

  const showWindow = (): void => {
    logger.log('info', 'app-second-instance', 'the app was started again; showing its window', {});
    windows.focus();
  };
  if (!enforceSingleInstance(app, showWindow)) return;
  blockNavigation(app, logger);
  const shutdown = stopCleanlyOnQuit(app, () => runtime?.stop() ?? Promise.resolve(), logger, {
    flushLog: () => log.close(),
  });

  const start = async (): Promise<void> => {
    Menu.setApplicationMenu(null);
    applySessionPolicy(session.defaultSession, interfaceDir);
    const role = await stationRole(userDataDir, flags.role, log);
    const pairing = pairingOf(flags, role);
    if (isCommandLineError(pairing)) throw new StartError('The station cannot start', pairing.error);
    const failures = (await checkCrypto()).filter((check) => check.failure !== null);
    if (failures.length > 0) {
      const detail = failures.map((check) => `${check.name}: ${check.failure ?? ''}`).join('\n');
      logger.log('error', 'app-crypto-check-failed', 'cryptography the station needs is missing', { detail });
      throw new StartError('This Electron build lacks cryptography the station needs', detail);
    }
    logger.log('info', 'station-start-init', 'starting station', { dataDir: userDataDir, role });
    const started = await startStationRuntime(runtimeConfigOf(userDataDir, flags, pairing), logger);
    runtime = started;
    logger.log('info', 'station-start-complete', 'station is serving', {
      stationId: started.stationId,
      grpcAddress: started.grpcAddress,
      role: started.status().role,
    });

    const kiosks = new Map<number, KioskController>();
    serveInterfaceApi({
      ipcMain,
      api: started.interfaceApi,
      isTrusted: (event) => isTrustedSender(event, windows.ownWebContentsIds),
      logger,
      onAnswer: (operation, answer, senderId) => {
        if (operation === 'officialSignIn' && isSignedIn(answer)) kiosks.get(senderId)?.officialSignedIn();
      },
    });
    const menu = Menu.buildFromTemplate(
      stationMenuTemplate(role, {
        switchRole: (chosen) => {
          void switchRole(userDataDir, chosen, log);
        },
        quit: () => {
          app.quit();
        },
      }),
    );
    await windows.open((window) => {
      const id = window.webContents.id;
      // macOS has one menu bar for the app; elsewhere each window has its own.
      const showMenu = (visible: boolean): void => {
        if (process.platform === 'darwin') Menu.setApplicationMenu(visible ? menu : null);
        else if (visible) window.setMenu(menu);
        else window.removeMenu();
      };
      showMenu(true);
      const kiosk = new KioskController(window, (active) => {
        showMenu(!active);
        logger.log('info', active ? 'app-kiosk-entered' : 'app-kiosk-left', 'kiosk mode changed', { active });
      });
      kiosks.set(id, kiosk);
      const stopEvents = forwardEvents(started.interfaceApi, window.webContents);
      window.webContents.on('did-navigate', (_event, url) => {
        kiosk.navigated(url);
      });
      window.webContents.on('did-navigate-in-page', (_event, url) => {
        kiosk.navigated(url);
      });
      window.webContents.on('render-process-gone', (_event, details) => {
        logger.log('error', 'app-renderer-gone', 'the interface stopped; loading it again', {
          reason: details.reason,
        });
        void window.loadURL(interfaceEntryUrl);
      });
      window.on('close', (event) => {
        if (!kiosk.mayClose(shutdown.quitting)) event.preventDefault();
      });
      window.on('closed', () => {
        stopEvents();
        kiosks.delete(id);
      });
    });
  };

  app
    .whenReady()
    .then(start)
    .catch((error: unknown) => {
      const title = error instanceof StartError ? error.title : 'The station could not start';
      const message = error instanceof Error ? error.message : String(error);
      logger.log('error', 'app-start-failed', title, { error: message });
      dialog.showErrorBox(`evote station: ${title}`, message);
      if (runtime === null)
        void log.close().then(() => {
          app.exit(1);
        });
      else app.quit();
    });
}

class StartError extends Error {
  constructor(
    readonly title: string,
    message: string,
  ) {
    super(message);
  }
}

/** The role for this run: the command line, the saved setting, or asked on first run (and saved). */
async function stationRole(
  userDataDir: string,
  commandLineRole: StationRole | null,
  log: AppLog,
): Promise<StationRole> {
  const saved = await readSettings(userDataDir);
  if ('damaged' in saved)
    log.logger.log('warn', 'app-settings-damaged', 'the settings file is damaged', { detail: saved.damaged });
  const choice = await chooseRole(commandLineRole, saved, askRole);
  if (choice.save) await writeSettings(userDataDir, { role: choice.role });
  return choice.role;
}

async function askRole(): Promise<StationRole> {
  const { response } = await dialog.showMessageBox({
    type: 'question',
    title: 'evote station: first start',
    message: 'Is this machine the primary station or the backup?',
    detail:
      'The primary takes the votes. The backup keeps a copy of everything and takes over if the primary ' +
      'fails; it needs the pairing key of the primary. You can change this later in the Station menu.',
    buttons: ['Primary station', 'Backup station'],
    defaultId: 0,
    cancelId: 0,
    noLink: true,
  });
  return response === 1 ? 'backup' : 'primary';
}

async function switchRole(userDataDir: string, chosen: StationRole, log: AppLog): Promise<void> {
  const { response } = await dialog.showMessageBox({
    type: 'question',
    title: 'evote station: change mode',
    message: `Run this machine as the ${chosen} station?`,
    detail: 'The station stops cleanly and the app starts again in the new mode.',
    buttons: ['Cancel', `Restart as ${chosen}`],
    defaultId: 0,
    cancelId: 0,
    noLink: true,
  });
  if (response !== 1) return;
  await writeSettings(userDataDir, { role: chosen });
  log.logger.log('info', 'app-mode-changed', 'station mode changed; restarting', { role: chosen });
  app.relaunch({ args: relaunchArguments(process.argv.slice(1)) });
  app.quit();
}
