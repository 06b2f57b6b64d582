/**
 * One app per userData folder: a second start hands over to the running one,
 * which brings its window to the front, and quits. (The station's data folder
 * has its own lock as well; this one keeps a second window from appearing.)
 */
import type { App } from 'electron';

export type SingleInstanceApp = Pick<App, 'requestSingleInstanceLock' | 'on' | 'quit'>;

/** True if this process holds the lock; otherwise it has asked the app to quit. */
export function enforceSingleInstance(app: SingleInstanceApp, onSecondInstance: () => void): boolean {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return false;
  }
  app.on('second-instance', () => {
    onSecondInstance();
  });
  return true;
}
