import { EventEmitter } from 'node:events';
import { readdir, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import {
  evaluateEligibility,
  isPncError,
  parseVin,
  PncError,
  type ConnectionState,
  type DesktopApi,
  type DesktopEvent,
  type DiscoveredServer,
  type DriveInfo,
  type JobState,
  type KeyRecord,
  type KeyTarget,
} from '@pnc/shared';
import type { DiscoverOptions } from '../discovery/index.js';
import { createBlobCache } from '../download/blob-cache.js';
import { downloadBlob } from '../download/blob-download.js';
import type { BlockTarget } from '../fat32/index.js';
import type { BlobSource } from '../keys/write-key.js';
import { createKeyLedger } from '../keys/key-ledger.js';
import { createWriteJobs } from '../keys/write-jobs.js';
import { createDriveAccess } from '../drives/index.js';
import { normalizeServerUrl, ServerClient } from '../server/server-client.js';
import type { VerifiedCatalog } from '../trust/verified-catalog.js';
import { createLogFile } from '../util/log-file.js';
import { createSessionStore, type SecretCodec } from './session-store.js';
import { createSettingsStore } from './workstation-settings.js';

export interface DesktopServiceOptions {
  stateDir: string;
  trustedRootFile: string;
  /** Server to connect to at start (e.g. given by the demo), else the last one used. */
  serverUrl?: string;
  /** How the session token is protected at rest (Electron passes safeStorage). */
  secrets?: SecretCodec;
  workstationName?: string;
  /** Defaults to the real drives behind the core's guards; tests may pass their own. */
  drives?: DriveAccess;
  /** How often unacknowledged confirmations are re-sent. */
  confirmRetryMs?: number;
  /** LAN discovery settings (tests narrow them); the budget comes from each call. */
  discovery?: Omit<DiscoverOptions, 'timeoutMs' | 'manual'>;
}

/** The drives the workstation may write, behind the core's own safety guards. */
export interface DriveAccess {
  list(): Promise<DriveInfo[]>;
  watch(onChange: (drives: DriveInfo[]) => void): () => void;
  /** Guards, then opens: refuses system, read-only, too-small drives whatever the caller asks. */
  open(
    target: KeyTarget,
  ): Promise<{ volumeBytes: number; openTarget: () => Promise<BlockTarget>; label: string }>;
}

export type DesktopService = DesktopApi & { close(): Promise<void>; ready: Promise<void> };

const DISCONNECTED: ConnectionState = {
  serverUrl: null,
  server: null,
  contentVerified: false,
  activity: null,
  user: null,
  error: null,
};

// Loaded at first use, off the path to the first screen: tuf-js and its crypto for the
// verification (which runs beside the sign-in check), bonjour for a LAN search.
const loadTrust = () => import('../trust/verified-catalog.js');
const loadDiscovery = () => import('../discovery/index.js');

/** Runs async steps one after the other; `idle()` resolves when the last one queued is over. */
function serializer() {
  let queue: Promise<unknown> = Promise.resolve();
  const run = <T>(f: () => Promise<T>): Promise<T> => {
    const step = queue.then(f, f);
    queue = step.catch(() => undefined);
    return step;
  };
  return Object.assign(run, { idle: () => queue });
}

/**
 * The workstation's DesktopApi in plain Node: Electron's main process and the local agent both
 * serve this same object. It keeps the connection, the sign-in and the catalog it verified itself.
 */
export function createDesktopService(opts: DesktopServiceOptions): DesktopService {
  const events = new EventEmitter();
  const sessions = createSessionStore(opts.stateDir, opts.secrets);
  const workstation = opts.workstationName ?? hostname();
  let client: ServerClient | null = null;
  /** The verification of `client`'s content: eligibility, writing and LAN estimates wait for it. */
  let verification: Promise<VerifiedCatalog> | null = null;
  let state: ConnectionState = DISCONNECTED;
  const emitEvent = (e: DesktopEvent) => events.emit('event', e);
  const drives = opts.drives ?? createDriveAccess();
  const ledger = createKeyLedger(opts.stateDir);
  const settings = createSettingsStore(opts.stateDir);
  const log = createLogFile(opts.stateDir);
  // The same cache folder as `pnc-key --cache`: verified blobs by sha256.
  const cacheDir = join(opts.stateDir, 'cache');
  const cachedFiles = async () => {
    const names = (await readdir(cacheDir).catch(() => [] as string[])).filter((n) =>
      /^[0-9a-f]{64}$/.test(n),
    );
    const sizes = await Promise.all(
      names.map((n) =>
        stat(join(cacheDir, n)).then(
          (st) => st.size,
          () => 0,
        ),
      ),
    );
    return { names, bytes: sizes.reduce((a, b) => a + b, 0) };
  };
  const settingsState = async () => {
    const { names, bytes } = await cachedFiles();
    return { ...(await settings.get()), cacheUsedBytes: bytes, cacheFiles: names.length };
  };
  /** Where a job's bytes come from: the cache in front of the server, unless the cache is off. */
  const blobSource = async (c: ServerClient): Promise<BlobSource> => {
    const upstream: BlobSource = (f, signal) =>
      downloadBlob(c, { size: f.size, sha256: f.sha256, ...(signal ? { signal } : {}) });
    const { cacheMaxBytes } = await settings.get();
    return cacheMaxBytes > 0
      ? createBlobCache({ dir: cacheDir, maxBytes: cacheMaxBytes, upstream })
      : upstream;
  };
  const emitKeys = () => {
    ledger.list().then(
      (keys) => emitEvent({ type: 'keys', keys }),
      () => undefined,
    );
  };
  /** The last key's average speed (download, key and read-back together) feeds the next estimate. */
  const onJob = (job: JobState) => {
    emitEvent({ type: 'job', job });
    if (job.phase === 'done' || job.phase === 'failed' || job.phase === 'cancelled') {
      log.write(job.phase === 'done' ? 'info' : 'warn', `write ${job.phase}`, {
        vin: job.vin,
        packages: job.packageIds,
        keys: job.keys.map((k) => ({ target: k.label, phase: k.phase, keyId: k.keyId, error: k.error })),
        error: job.error,
      });
    }
    const seconds = (Date.now() - Date.parse(job.startedAt)) / 1000;
    if (job.phase === 'done' && job.bytesTotal > 0 && seconds > 0)
      void settings.setLastKeySpeed(job.bytesTotal / seconds).catch(() => undefined);
  };
  const jobs = createWriteJobs(ledger, onJob, emitKeys);
  // Drives are watched (a scan, a poll every few seconds, libusb's hot-plug) from the first time a
  // screen asks for them: a workstation that only checks vehicles, or is just starting, does not pay
  // for it (about 0.3 CPU s at start, beside the browser opening its page).
  let stopWatching: (() => void) | null = null;
  let closed = false;
  const watchDrives = () => {
    if (!stopWatching && !closed)
      stopWatching = drives.watch((list) => emitEvent({ type: 'drives', drives: list }));
  };
  // Connection changes must not interleave; nor may verifications, which outlive the connect
  // that started them, since tuf-js keeps its trusted metadata in one folder.
  const serialized = serializer();
  const verifying = serializer();

  const setState = (patch: Partial<ConnectionState>): ConnectionState => {
    state = { ...state, ...patch };
    emitEvent({ type: 'connection', state });
    return state;
  };

  const asError = (e: unknown) => {
    const err = isPncError(e) ? e : new PncError('INTERNAL', (e as Error).message);
    return { code: err.code, message: err.message };
  };

  function connected(): ServerClient {
    if (!client || !verification)
      throw new PncError('SERVER_UNREACHABLE', "Connect to a Plug'nConnect server first.");
    return client;
  }

  function signedIn(): ServerClient {
    const c = connected();
    if (!state.user) throw new PncError('UNAUTHENTICATED', 'Sign in first.');
    if (state.user.mustChangePassword)
      throw new PncError('PASSWORD_CHANGE_REQUIRED', 'Change your one-time password first.');
    return c;
  }

  async function connect(url: string): Promise<ConnectionState> {
    let normalized: string;
    try {
      normalized = normalizeServerUrl(url);
    } catch {
      throw new PncError(
        'VALIDATION_FAILED',
        `"${url}" is not a server address; type e.g. 192.168.1.20 or plugnconnect:8080.`,
      );
    }
    return serialized(async () => {
      const c = new ServerClient(normalized);
      try {
        const server = await c.info();
        // The content is verified beside the sign-in check: the session is usable as soon as it is
        // known, while everything that depends on the content waits for `verification`.
        const outcome: { verified?: VerifiedCatalog; error?: unknown } = {};
        const v = loadTrust().then(({ fetchVerifiedCatalog }) =>
          verifying(() =>
            fetchVerifiedCatalog({
              serverUrl: c.baseUrl,
              trustedRootFile: opts.trustedRootFile,
              stateDir: opts.stateDir,
              serverTime: server.serverTime,
            }),
          ),
        );
        const settled = v.then(
          (catalog) => void (outcome.verified = catalog),
          (e: unknown) => void (outcome.error = e ?? new Error('verification failed')),
        );
        // Resume the saved sign-in for this server when its token is still good.
        let user: ConnectionState['user'] = null;
        const saved = await sessions.load();
        if (saved?.serverUrl === c.baseUrl) {
          c.setToken(saved.token);
          user = await c.me().catch(() => null);
          if (!user) c.setToken(null);
        }
        if (outcome.error !== undefined) throw outcome.error;
        client = c;
        verification = v;
        log.write('info', 'connected', {
          server: c.baseUrl,
          name: server.name,
          user: user?.username ?? null,
        });
        void settled.then(() => {
          // A later connect replaced this one: its outcome is not this connection's.
          if (client !== c) return;
          if (outcome.verified) {
            log.write('info', 'content verified', {
              server: c.baseUrl,
              contentVersion: outcome.verified.version,
            });
            if (state.activity === 'verifying') setState({ contentVerified: true, activity: null });
            return;
          }
          client = null;
          verification = null;
          log.write('warn', 'connection failed', { server: c.baseUrl, error: asError(outcome.error) });
          setState({ ...DISCONNECTED, serverUrl: c.baseUrl, error: asError(outcome.error) });
        });
        const done = outcome.verified !== undefined;
        return setState({
          serverUrl: c.baseUrl,
          server,
          contentVerified: done,
          activity: done ? null : 'verifying',
          user,
          error: null,
        });
      } catch (e) {
        client = null;
        verification = null;
        log.write('warn', 'connection failed', { server: normalized, error: asError(e) });
        return setState({ ...DISCONNECTED, serverUrl: normalized, error: asError(e) });
      }
    });
  }

  async function initialServer(): Promise<string | undefined> {
    return opts.serverUrl ?? (await sessions.load())?.serverUrl;
  }

  /** Sends confirmations the server has not acknowledged yet; each keeps its id, so re-sending is harmless. */
  async function sendConfirmations(): Promise<void> {
    if (!client || !state.user || state.user.mustChangePassword) return;
    for (const k of await ledger.unacknowledged()) {
      const c = k.confirmation!;
      await client.confirmInstallation({
        id: c.id,
        vin: k.vin,
        packageIds: k.packages.map((p) => p.id),
        outcome: c.outcome,
        ...(c.failureReason ? { failureReason: c.failureReason } : {}),
        ...(c.note ? { note: c.note } : {}),
        keyId: k.keyId,
        workstation,
        installedAt: c.at,
      });
      await ledger.acknowledge(k.keyId);
    }
    emitKeys();
  }
  const retry = setInterval(
    () => void sendConfirmations().catch(() => undefined),
    opts.confirmRetryMs ?? 30_000,
  );
  retry.unref();

  const ready = initialServer().then(async (url) => {
    if (url) {
      // Said at once, so a screen opened now waits for this server instead of offering to search.
      setState({ ...DISCONNECTED, serverUrl: url, activity: 'connecting' });
      await connect(url);
      // Confirmations go to a server whose content this workstation verified.
      await verification?.catch(() => undefined);
    }
    await sendConfirmations().catch(() => undefined);
  });

  return {
    ready,
    async getConnection() {
      return state;
    },
    async discoverServers(input) {
      const timeoutMs = input?.timeoutMs ?? 2_500;
      const last = state.serverUrl ?? (await sessions.load())?.serverUrl;
      const { discoverServers } = await loadDiscovery();
      const found = await discoverServers({
        ...opts.discovery,
        timeoutMs,
        ...(last ? { manual: [last] } : {}),
      });
      // The address typed before is listed as the last one used, not as typed now.
      return found.map((s): DiscoveredServer => (s.via === 'manual' ? { ...s, via: 'saved' } : s));
    },
    async connect({ url }) {
      return connect(url);
    },
    async signIn({ username, password }) {
      return serialized(async () => {
        const c = connected();
        const res = await c.login(username, password, workstation).catch((e: unknown) => {
          log.write('warn', 'sign-in failed', { server: c.baseUrl, username, error: asError(e) });
          throw e;
        });
        log.write('info', 'signed in', {
          server: c.baseUrl,
          username: res.user.username,
          role: res.user.role,
        });
        c.setToken(res.token);
        await sessions.save({ serverUrl: c.baseUrl, username: res.user.username, token: res.token });
        setState({ user: res.user, error: null });
        void sendConfirmations().catch(() => undefined);
        return state;
      });
    },
    async changePassword({ currentPassword, newPassword }) {
      return serialized(async () => {
        const c = connected();
        const user = await c.changePassword(currentPassword, newPassword);
        return setState({ user, error: null });
      });
    },
    async signOut() {
      return serialized(async () => {
        if (client) {
          await client.logout();
          client.setToken(null);
        }
        await sessions.clear();
        log.write('info', 'signed out', { user: state.user?.username ?? null });
        return setState({ user: null });
      });
    },
    async checkVehicle({ vin }) {
      const valid = parseVin(vin);
      const c = signedIn();
      const [vehicle, verified, { trustedVehicle }] = await Promise.all([
        c.vehicle(valid),
        verification!,
        loadTrust(),
      ]);
      // Decided on the catalog and registry this workstation verified, not on the server's word.
      return evaluateEligibility(trustedVehicle(verified, vehicle), verified.catalog);
    },
    async listDrives() {
      watchDrives();
      return drives.list();
    },
    async startWrite({ vin, packageIds, targets, eraseConfirmed }) {
      const valid = parseVin(vin);
      if (targets.some((t) => t.kind === 'device') && !eraseConfirmed) {
        throw new PncError('DRIVE_REFUSED', 'Writing erases the whole key: confirm it first.', {
          reason: 'ERASE_NOT_CONFIRMED',
        });
      }
      const c = signedIn();
      // Nothing is written before the content is verified.
      const [vehicle, verified] = await Promise.all([c.vehicle(valid), verification!]);
      return jobs.start(
        { vin: valid, packageIds, targets },
        {
          client: c,
          serverName: state.server?.name ?? c.baseUrl,
          verified,
          vehicle,
          open: (t) => drives.open(t),
          blobs: await blobSource(c),
        },
      );
    },
    async cancelWrite({ jobId }) {
      return jobs.cancel(jobId);
    },
    async listJobs() {
      return jobs.list();
    },
    async listKeys() {
      return ledger.list();
    },
    async getSettings() {
      return settingsState();
    },
    async setSettings(patch) {
      const { cacheMaxBytes } = await settings.update(patch);
      if (patch.cacheMaxBytes !== undefined) {
        const none: BlobSource = async function* () {};
        if (cacheMaxBytes === 0) await rm(cacheDir, { recursive: true, force: true });
        else await createBlobCache({ dir: cacheDir, maxBytes: cacheMaxBytes, upstream: none }).prune();
      }
      return settingsState();
    },
    async exportLogs() {
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      return { fileName: `plugnconnect-${workstation}-${stamp}.log`, content: await log.exportText() };
    },
    async clearCache() {
      for (const n of (await cachedFiles()).names) await rm(join(cacheDir, n), { force: true });
      return settingsState();
    },
    async measureLinkSpeed() {
      const lastKeyBytesPerSecond = await settings.lastKeySpeed();
      let lanBytesPerSecond: number | null = null;
      try {
        const c = signedIn();
        lanBytesPerSecond = await measureLan(c, await verification!);
      } catch {
        // Not signed in, no content, or the server did not answer: no estimate from the LAN.
      }
      return { lanBytesPerSecond, lastKeyBytesPerSecond, measuredAt: new Date().toISOString() };
    },
    async confirmInstallation({ keyId, outcome, failureReason, note }): Promise<KeyRecord> {
      const k = await ledger.confirm(keyId, { outcome, failureReason, note });
      log.write('info', 'installation confirmed', { keyId, vin: k?.vin, outcome, failureReason });
      if (!k) throw new PncError('NOT_FOUND', 'This key is not in the list of keys written here.');
      // Recorded locally first; sent now if the server is there, else later by the retry loop.
      await sendConfirmations().catch(() => undefined);
      return (await ledger.find(keyId))!;
    },
    onEvent(listener: (e: DesktopEvent) => void) {
      events.on('event', listener);
      return () => events.off('event', listener);
    },
    async close() {
      clearInterval(retry);
      closed = true;
      stopWatching?.();
      await jobs.close();
      events.removeAllListeners();
      await serialized.idle();
      await verifying.idle();
    },
  };
}

/** Reads up to 32 MiB (at most about a second) of the largest signed file: the bytes per second the LAN gives. */
async function measureLan(client: ServerClient, verified: VerifiedCatalog): Promise<number | null> {
  const largest = verified.catalog.packages
    .flatMap((p) => p.files)
    .reduce<{ sha256: string; size: number } | null>((a, f) => (a && a.size >= f.size ? a : f), null);
  if (!largest) return null;
  const signal = AbortSignal.timeout(5_000);
  // Timed from the request: its latency is small beside a second of transfer, and a small file
  // can arrive whole in the read that brings the answer's head.
  const started = performance.now();
  const { stream } = await client.openBlob(largest.sha256, 0, { signal });
  const limit = 32 * 1024 * 1024;
  let bytes = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      if (bytes >= limit || performance.now() - started >= 1_000) break;
    }
  } finally {
    stream.destroy();
  }
  const seconds = (performance.now() - started) / 1000;
  return bytes > 0 && seconds > 0 ? bytes / seconds : null;
}
