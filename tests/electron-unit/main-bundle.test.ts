import { vi } from 'vitest';
import { buildElectron } from '../../scripts/build-electron.ts';
import { defineMainProcessSuite } from './support/main-process-suite.ts';

vi.mock('electron', async () => (await import('./support/fake-electron.ts')).fakeElectron.module);

// The bundle as the app runs it: core/ inlined, its files (the .proto) still found beside the sources.
defineMainProcessSuite('the bundled main process (electron/dist/main.js), with Electron mocked', async () => {
  await buildElectron();
  return import(new URL('../../electron/dist/main.js', import.meta.url).href);
});
