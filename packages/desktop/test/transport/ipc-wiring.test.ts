import { describe, expect, it } from 'vitest';
import type { DesktopEvent } from '@pnc/shared';
import { wireDesktopIpc } from '../../src/main/ipc.js';
import { createPreloadApi } from '../../src/preload/bridge.js';
import { RPC_CHANNEL } from '../../src/preload/channels.js';
import { createInMemoryApi } from './in-memory-api.js';
import { createFakeIpc } from './harness.js';

const trusted = (url: string) => url.startsWith('pnc://app/');

describe('the Electron IPC wiring', () => {
  it('answers only our own page', async () => {
    const ipc = createFakeIpc('https://evil.example/');
    wireDesktopIpc({
      ipcMain: ipc.ipcMain,
      api: createInMemoryApi(),
      webContents: () => [],
      isTrustedSender: trusted,
    });
    expect(await ipc.ipcRenderer.invoke(RPC_CHANNEL, 'getConnection', {})).toEqual({
      ok: false,
      error: { code: 'FORBIDDEN', message: 'This page may not use the desktop API.' },
    });
  });

  it('rejects through the preload with a plain object that keeps code and details', async () => {
    const ipc = createFakeIpc();
    wireDesktopIpc({
      ipcMain: ipc.ipcMain,
      api: createInMemoryApi(),
      webContents: () => [],
      isTrustedSender: trusted,
    });
    const pnc = createPreloadApi(ipc.ipcRenderer);
    const error: unknown = await pnc.checkVehicle({ vin: 'VF1RJA00O67890123' }).catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(Error);
    // What contextBridge would copy across worlds: a structured clone.
    expect(structuredClone(error)).toEqual({
      name: 'PncError',
      code: 'VIN_FORBIDDEN_LETTER',
      message: expect.stringContaining('letter O') as unknown,
      details: { position: 9, character: 'O' },
    });
  });

  it('sends events to live windows only, and unwires completely', async () => {
    const ipc = createFakeIpc();
    const api = createInMemoryApi();
    let destroyed = false;
    const sent: unknown[] = [];
    const unwire = wireDesktopIpc({
      ipcMain: ipc.ipcMain,
      api,
      webContents: () => [
        ipc.webContents,
        { send: (...args: unknown[]) => sent.push(args), isDestroyed: () => destroyed },
      ],
      isTrustedSender: trusted,
    });
    const received: DesktopEvent[] = [];
    const stop = createPreloadApi(ipc.ipcRenderer).onEvent((e) => received.push(e));
    await api.connect({ url: 'box.local' });
    destroyed = true;
    await api.signOut({});
    expect(received).toHaveLength(2);
    expect(sent).toHaveLength(1);
    stop();
    await api.connect({ url: 'box.local' });
    expect(received).toHaveLength(2);

    unwire();
    expect(ipc.handlerCount()).toBe(0);
    expect(api.listenerCount()).toBe(0);
    await expect(ipc.ipcRenderer.invoke(RPC_CHANNEL, 'getConnection', {})).rejects.toThrow(/No handler/);
  });
});
