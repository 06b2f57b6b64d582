/**
 * The preload script of the interface window (sandboxed, context-isolated;
 * bundled to CommonJS by `npm run build:electron`, since a sandboxed preload
 * cannot be an ES module). It exposes exactly the typed interface API as
 * `window.evoteApi`, which renderer/src/api/station-connection.ts looks for.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { createBridgeApi } from './bridge-api.ts';

contextBridge.exposeInMainWorld('evoteApi', createBridgeApi(ipcRenderer));
