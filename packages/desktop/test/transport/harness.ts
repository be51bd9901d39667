// The two transports wired end to end for tests: the Electron path with a fake ipcMain /
// ipcRenderer pair (payloads structured-cloned as Electron does), and the agent path over real
// HTTP on loopback. Each ends in the client the renderer uses.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { IpcMainInvokeEvent, IpcRendererEvent } from 'electron';
import type { DesktopApi } from '@pnc/shared';
import { startAgent, type Agent, type AgentOptions } from '../../src/core/agent/index.js';
import { wireDesktopIpc } from '../../src/main/ipc.js';
import { createPreloadApi, type IpcRendererLike } from '../../src/preload/bridge.js';
import { RPC_CHANNEL } from '../../src/preload/channels.js';
import { createAgentClient } from '../../src/renderer/api/agent-client.js';
import { fromPreload } from '../../src/renderer/api/bridge-client.js';

type Handler = (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown;
type Listener = (event: IpcRendererEvent, ...args: unknown[]) => void;

export interface FakeIpc {
  ipcMain: { handle(channel: string, handler: Handler): void; removeHandler(channel: string): void };
  ipcRenderer: IpcRendererLike;
  webContents: { send(channel: string, ...args: unknown[]): void; isDestroyed(): boolean };
  handlerCount(): number;
}

/** One window's IPC: what main handles, the renderer invokes; what main sends, the renderer hears. */
export function createFakeIpc(senderUrl = 'pnc://app/index.html'): FakeIpc {
  const handlers = new Map<string, Handler>();
  const listeners = new Map<string, Set<Listener>>();
  const ipcRenderer = {
    async invoke(channel: string, ...args: unknown[]) {
      const handler = handlers.get(channel);
      if (!handler) throw new Error(`No handler registered for '${channel}'`);
      const event = { senderFrame: { url: senderUrl } } as unknown as IpcMainInvokeEvent;
      return structuredClone(await handler(event, ...structuredClone(args)));
    },
    on(channel: string, listener: Listener) {
      if (!listeners.has(channel)) listeners.set(channel, new Set());
      listeners.get(channel)?.add(listener);
      return ipcRenderer;
    },
    removeListener(channel: string, listener: Listener) {
      listeners.get(channel)?.delete(listener);
      return ipcRenderer;
    },
  };
  return {
    ipcMain: {
      handle(channel, handler) {
        if (handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
        handlers.set(channel, handler);
      },
      removeHandler: (channel) => void handlers.delete(channel),
    },
    ipcRenderer: ipcRenderer as unknown as IpcRendererLike,
    webContents: {
      send(channel, ...args) {
        const cloned = structuredClone(args);
        for (const l of listeners.get(channel) ?? []) l({} as IpcRendererEvent, ...cloned);
      },
      isDestroyed: () => false,
    },
    handlerCount: () => handlers.size,
  };
}

/** Reads a server-sent-events stream with fetch (Node 20 has no EventSource). */
export function readEventStream(
  url: string,
  onData: (data: string) => void,
  onComment: (text: string) => void = () => {},
): () => void {
  const abort = new AbortController();
  void (async () => {
    const response = await fetch(url, { signal: abort.signal });
    if (!response.body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        for (const line of block.split('\n')) {
          if (line.startsWith('data: ')) onData(line.slice(6));
          else if (line.startsWith(':')) onComment(line.slice(1).trim());
        }
      }
    }
  })().catch(() => undefined);
  return () => abort.abort();
}

export interface IpcPath {
  ipc: FakeIpc;
  /** What the renderer sees through `window.pnc`. */
  client: DesktopApi;
  /** The raw reply envelope for any method name, as the preload receives it. */
  invoke(method: string, input: unknown): Promise<unknown>;
  unwire(): void;
}

export function openIpcPath(
  api: DesktopApi,
  onUnexpectedError: (method: string, error: unknown) => void = () => {},
): IpcPath {
  const ipc = createFakeIpc();
  const unwire = wireDesktopIpc({
    ipcMain: ipc.ipcMain,
    api,
    webContents: () => [ipc.webContents],
    isTrustedSender: (url) => url.startsWith('pnc://app/'),
    onUnexpectedError,
  });
  return {
    ipc,
    client: fromPreload(createPreloadApi(ipc.ipcRenderer)),
    invoke: (method, input) => ipc.ipcRenderer.invoke(RPC_CHANNEL, method, input),
    unwire,
  };
}

export interface AgentPath {
  agent: Agent;
  origin: string;
  client: DesktopApi;
  /** POST /rpc/:method with the token; `input` undefined sends no body. */
  post(method: string, input: unknown, headers?: Record<string, string>): Promise<Response>;
  close(): Promise<void>;
}

/** A renderer folder as vite builds it, small. */
export async function makeRendererDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pnc-renderer-'));
  await mkdir(path.join(dir, 'assets'));
  await writeFile(
    path.join(dir, 'index.html'),
    '<!doctype html><title>PnC</title><div id="root"></div><script type="module" src="./assets/index-abc.js"></script>',
  );
  await writeFile(path.join(dir, 'assets', 'index-abc.js'), 'console.log("renderer");');
  return dir;
}

export async function openAgentPath(
  api: DesktopApi,
  options: Partial<AgentOptions> = {},
): Promise<AgentPath> {
  const rendererDir = await makeRendererDir();
  const agent = await startAgent({
    api,
    host: '127.0.0.1',
    port: 0,
    rendererDir,
    onUnexpectedError: () => {},
    ...options,
  });
  const origin = new URL(agent.url).origin;
  return {
    agent,
    origin,
    client: createAgentClient({
      baseUrl: origin,
      token: agent.token,
      fetch,
      openEvents: (url, onData) => readEventStream(url, onData),
    }),
    post: (method, input, headers = {}) =>
      fetch(`${origin}/rpc/${encodeURIComponent(method)}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${agent.token}`,
          ...(input === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        ...(input === undefined ? {} : { body: JSON.stringify(input) }),
      }),
    async close() {
      await agent.close();
      await rm(rendererDir, { recursive: true, force: true });
    },
  };
}
