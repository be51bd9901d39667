import electronUpdater from 'electron-updater';
import type { DesktopApi } from '@pnc/shared';

/**
 * The app updates itself from the dealer's box (it mirrors the installers with the content):
 * electron-updater's generic provider pointed at the connected server. Only for an installed
 * app — a development run has nothing to replace. Failures are logged, never shown as errors:
 * an old app keeps working.
 */
export function updateFromServer(api: DesktopApi, isPackaged: boolean, log: (msg: string, err?: unknown) => void): () => void {
  if (!isPackaged) return () => undefined;
  const { autoUpdater } = electronUpdater;
  autoUpdater.autoDownload = true;
  autoUpdater.autoInstallOnAppQuit = true;
  let feed: string | null = null;
  return api.onEvent((e) => {
    if (e.type !== 'connection' || !e.state.serverUrl || !e.state.server || e.state.serverUrl === feed) return;
    feed = e.state.serverUrl;
    autoUpdater.setFeedURL({ provider: 'generic', url: `${feed}/api/v1/channels/desktop-installer` });
    autoUpdater.checkForUpdatesAndNotify().catch((err: unknown) => log('update check failed', err));
  });
}
