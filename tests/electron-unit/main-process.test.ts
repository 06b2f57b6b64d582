import { vi } from 'vitest';
import { defineMainProcessSuite } from './support/main-process-suite.ts';

vi.mock('electron', async () => (await import('./support/fake-electron.ts')).fakeElectron.module);

defineMainProcessSuite(
  'the main process (electron/main.ts), with Electron mocked',
  () => import('../../electron/main.ts'),
);
