import type { App, Session } from 'electron';
import { RENDERER_CSP } from '../core/agent/static-files.js';
import { isRendererUrl } from './renderer-protocol.js';

/**
 * The window shows our bundle and nothing else: every response carries the CSP, no permission
 * (camera, notifications…) is granted, and the page can neither navigate away, open windows
 * nor embed webviews.
 */
export function hardenSession(session: Session): void {
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [RENDERER_CSP] } });
  });
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}

export function hardenWebContents(app: App): void {
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event) => {
      if (!isRendererUrl(event.url)) event.preventDefault();
    });
    contents.on('will-redirect', (event) => {
      if (!isRendererUrl(event.url)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });
}
