import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, session } from 'electron';
import { trustedRootFile, workstationHome } from '../core/config/paths.js';
import { createDriveAccess } from '../core/drives/index.js';
import { createDesktopService } from '../core/service/desktop-service.js';
import { hardenSession, hardenWebContents } from './hardening.js';
import { wireDesktopIpc } from './ipc.js';
import { updateFromServer } from './updater.js';
import { osSecrets } from './secrets.js';
import { isRendererUrl, registerRendererScheme, RENDERER_URL, serveRenderer } from './renderer-protocol.js';

const here = path.dirname(fileURLToPath(import.meta.url));

registerRendererScheme();
hardenWebContents(app);

// One app per workstation: a second launch brings the first window forward instead of
// competing for the same state files and USB keys.
if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.whenReady().then(start).catch(fail);
}

async function start(): Promise<void> {
  hardenSession(session.defaultSession);
  serveRenderer(session.defaultSession, path.join(here, '../renderer'));

  const secrets = osSecrets();
  const service = createDesktopService({
    // The same state as the CLI and the browser mode: keys awaiting confirmation show in both.
    stateDir: workstationHome(),
    // An installed app ships the carmaker's root in its resources.
    trustedRootFile: trustedRootFile(app.isPackaged ? path.join(process.resourcesPath, 'trusted-root.json') : undefined),
    ...(process.env.PNC_SERVER_URL ? { serverUrl: process.env.PNC_SERVER_URL } : {}),
    drives: createDriveAccess(),
    ...(secrets ? { secrets } : {}),
  });
  const unwire = wireDesktopIpc({
    ipcMain,
    api: service,
    webContents: () => BrowserWindow.getAllWindows().map((w) => w.webContents),
    isTrustedSender: isRendererUrl,
    onUnexpectedError: (method, error) => console.error(`desktop API ${method} failed unexpectedly`, error),
  });

  const stopUpdates = updateFromServer(service, app.isPackaged, (msg, err) => console.warn(msg, err));

  const window = new BrowserWindow({
    width: 1280,
    height: 860,
    minWidth: 900,
    minHeight: 640,
    show: false,
    backgroundColor: '#f4f5f7',
    title: "Plug'nConnect",
    webPreferences: {
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webviewTag: false,
      spellcheck: false,
      // Sandboxed preloads must be one CommonJS file: the build bundles src/preload into it.
      preload: path.join(here, '../preload/preload.cjs'),
    },
  });
  window.once('ready-to-show', () => window.show());
  app.on('second-instance', () => {
    if (window.isMinimized()) window.restore();
    window.focus();
  });
  app.on('window-all-closed', () => app.quit());
  app.once('will-quit', (event) => {
    event.preventDefault();
    unwire();
    stopUpdates();
    void service.close().finally(() => app.exit(0));
  });
  await window.loadURL(RENDERER_URL);
}

function fail(error: unknown): void {
  dialog.showErrorBox("Plug'nConnect cannot start", error instanceof Error ? error.message : String(error));
  app.exit(1);
}
