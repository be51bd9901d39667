import { contextBridge, ipcRenderer } from 'electron';
import { createPreloadApi } from './bridge.js';

// The page gets the typed desktop API and nothing else: no ipcRenderer, no Node.
contextBridge.exposeInMainWorld('pnc', createPreloadApi(ipcRenderer));
