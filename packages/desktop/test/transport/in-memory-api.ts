// A small real DesktopApi for transport and UI tests: plain functions over a fixed catalog and
// vehicle registry, answering what the core service answers (the shared eligibility rule,
// PncErrors with stable codes). No Node modules: the renderer tests use it too.
import {
  Catalog,
  PncError,
  decodeVin,
  evaluateEligibility,
  parseVin,
  type ConnectionState,
  type DesktopApi,
  type DesktopEvent,
  type DriveInfo,
  type JobState,
  type KeyRecord,
  type ServerInfo,
  type SessionUser,
  type SettingsState,
  type UpdatePackage,
  type VehicleInfo,
} from '@pnc/shared';

const MB = 1_000_000;

function files(id: string, sizes: number[]): UpdatePackage['files'] {
  return sizes.map((size, i) => ({
    path: `${id}/part${String(i + 1).padStart(2, '0')}.bin`,
    size,
    sha256: (i + 1).toString(16).padStart(64, 'a'),
  }));
}

function pkg(
  p: Omit<UpdatePackage, 'rules' | 'releasedAt' | 'files'> & {
    sizes: number[];
    rules?: UpdatePackage['rules'];
  },
): UpdatePackage {
  const { sizes, rules, ...rest } = p;
  return { ...rest, rules: rules ?? {}, releasedAt: '2026-09-01T00:00:00Z', files: files(p.id, sizes) };
}

export const catalog = Catalog.parse({
  schema: 1,
  generatedAt: '2026-11-24T06:00:00Z',
  packages: [
    pkg({
      id: 'RL2-SOFT-11.2',
      kind: 'SOFT',
      family: 'RLINK2',
      version: '11.2.0',
      region: '*',
      campaign: { code: 'OTS-26-RL2-112', mandatory: true },
      title: {
        en: 'R-LINK2 software 11.2',
        fr: 'Logiciel R-LINK2 11.2',
        it: 'Software R-LINK2 11.2',
        es: 'Software R-LINK2 11.2',
        de: 'R-LINK2-Software 11.2',
      },
      sizes: [1_450 * MB, 820 * MB, 96 * MB],
    }),
    pkg({
      id: 'RL2-SOFT-11.0',
      kind: 'SOFT',
      family: 'RLINK2',
      version: '11.0.0',
      region: '*',
      title: { en: 'R-LINK2 software 11.0' },
      sizes: [2_100 * MB],
    }),
    pkg({
      id: 'RL2-MAP-EU-12.1',
      kind: 'MAP',
      family: 'RLINK2',
      version: '12.1',
      region: 'EUROPE',
      title: {
        en: 'Europe map 2026 Q3',
        fr: 'Carte Europe 2026 T3',
        it: 'Mappa Europa 2026 T3',
        es: 'Mapa Europa 2026 T3',
        de: 'Europakarte 2026 Q3',
      },
      sizes: Array.from({ length: 14 }, (_, i) => (i === 13 ? 312 : 690) * MB),
    }),
    pkg({
      id: 'RL2-MAP-AFR-12.1',
      kind: 'MAP',
      family: 'RLINK2',
      version: '12.1',
      region: 'AFRICA',
      title: { en: 'Africa map 2026 Q3' },
      sizes: [3_900 * MB],
    }),
    pkg({
      id: 'EL-SOFT-5.4',
      kind: 'SOFT',
      family: 'EASYLINK',
      version: '5.4.0',
      region: '*',
      title: { en: 'Easy-Link software 5.4' },
      sizes: [1_800 * MB],
    }),
  ],
});

export const KNOWN_VIN = 'VF1RJA00567890123';

const registry: Record<string, VehicleInfo> = {
  [KNOWN_VIN]: {
    vin: KNOWN_VIN,
    source: 'registry',
    brand: 'RENAULT',
    model: 'CLIO5',
    modelYear: 2021,
    headUnit: 'RLINK2',
    softVersion: '10.9.4',
    mapVersion: '11.0',
    mapRegion: 'EUROPE',
    openCampaigns: ['OTS-26-RL2-112'],
  },
};

export const serverInfo: ServerInfo = {
  product: 'plugnconnect-server',
  name: 'Atelier Lyon Sud',
  dealerCode: 'FR-69-0412',
  version: '0.1.0',
  apiVersion: 1,
  serverTime: '2026-11-24T09:10:00Z',
  content: {
    version: 42,
    generatedAt: '2026-11-24T06:00:00Z',
    publishedAt: '2026-11-24T06:05:00Z',
    ageSeconds: 3 * 3600 + 5 * 60,
    packages: catalog.packages.length,
    expiresAt: '2026-12-08T06:00:00Z',
  },
  lastSync: { at: '2026-11-24T06:05:00Z', status: 'ok' },
};

export const drives: DriveInfo[] = [
  {
    id: 'usb-sandisk-extreme',
    device: '/dev/sdb',
    size: 128_035_676_160,
    description: 'SanDisk Extreme USB 3.2',
    mountpoints: [],
    isUSB: true,
    isRemovable: true,
    isSystem: false,
    isReadOnly: false,
    usbSpeed: 'usb3',
    offered: true,
    refusal: null,
  },
  {
    id: 'nvme-system',
    device: '/dev/nvme0n1',
    size: 512_110_190_592,
    description: 'Samsung SSD 980',
    mountpoints: ['/'],
    isUSB: false,
    isRemovable: false,
    isSystem: true,
    isReadOnly: false,
    usbSpeed: 'unknown',
    offered: false,
    refusal: { code: 'DRIVE_REFUSED', reason: 'The system drive is never written.' },
  },
];

export interface InMemoryApi extends DesktopApi {
  /** Pushes an event to every listener, as the core does when something changes by itself. */
  emit(event: DesktopEvent): void;
  listenerCount(): number;
  /** Records a key as written (what the core does once a key is verified), and tells listeners. */
  addKey(record: KeyRecord): void;
}

/** Accounts: `tech` is ready to work; `newcomer` must change the one-time password first. */
const accounts: Record<string, { password: string; user: SessionUser }> = {
  tech: {
    password: 'workshop-2026',
    user: { username: 'tech', role: 'technician', mustChangePassword: false },
  },
  newcomer: {
    password: 'first-access',
    user: { username: 'newcomer', role: 'technician', mustChangePassword: true },
  },
};

/**
 * Addresses: containing "unreachable" → a connection error state; exactly "crash" → a bug
 * (TypeError); anything else connects. Checking a vehicle needs a signed-in user, as in the core.
 */
export function createInMemoryApi(initial: Partial<ConnectionState> = {}): InMemoryApi {
  let state: ConnectionState = {
    serverUrl: null,
    server: null,
    contentVerified: false,
    activity: null,
    user: null,
    error: null,
    ...initial,
  };
  const listeners = new Set<(event: DesktopEvent) => void>();
  const emit = (event: DesktopEvent) => {
    for (const l of listeners) l(event);
  };
  const update = (next: Partial<ConnectionState>): ConnectionState => {
    state = { ...state, ...next };
    emit({ type: 'connection', state });
    return state;
  };
  const connected = () => {
    if (state.server === null)
      throw new PncError('SERVER_UNREACHABLE', "Connect to a Plug'nConnect server first.");
  };
  const signedIn = () => {
    connected();
    if (!state.user) throw new PncError('UNAUTHENTICATED', 'Sign in first.');
    if (state.user.mustChangePassword)
      throw new PncError('PASSWORD_CHANGE_REQUIRED', 'Change your one-time password first.');
  };
  const jobs = new Map<string, JobState>();
  const keys: KeyRecord[] = [];
  let settings: SettingsState = {
    language: null,
    cacheMaxBytes: 20_000_000_000,
    cacheUsedBytes: 0,
    cacheFiles: 0,
  };
  return {
    async getConnection() {
      return state;
    },
    async connect({ url }) {
      if (url === 'crash') throw new TypeError("Cannot read properties of undefined (reading 'baseUrl')");
      const serverUrl = /^https?:\/\//.test(url) ? url : `http://${url}`;
      return update(
        url.includes('unreachable')
          ? {
              serverUrl,
              server: null,
              contentVerified: false,
              activity: null,
              user: null,
              error: { code: 'SERVER_UNREACHABLE', message: `Nothing answers at ${serverUrl}` },
            }
          : { serverUrl, server: serverInfo, contentVerified: true, activity: null, user: null, error: null },
      );
    },
    async signIn({ username, password }) {
      connected();
      const account = accounts[username];
      if (account?.password !== password)
        throw new PncError('INVALID_CREDENTIALS', 'Wrong user name or password.');
      return update({ user: account.user, error: null });
    },
    async changePassword({ currentPassword, newPassword }) {
      connected();
      const account = state.user && accounts[state.user.username];
      if (!account) throw new PncError('UNAUTHENTICATED', 'Sign in first.');
      if (account.password !== currentPassword)
        throw new PncError('INVALID_CREDENTIALS', 'The current password is wrong.');
      if (newPassword.length < 10)
        throw new PncError('VALIDATION_FAILED', 'The new password needs at least 10 characters.');
      return update({ user: { ...account.user, mustChangePassword: false }, error: null });
    },
    async signOut() {
      return update({ user: null });
    },
    async checkVehicle({ vin }) {
      const valid = parseVin(vin);
      signedIn();
      const known = registry[valid];
      const decoded = decodeVin(valid, new Date('2026-11-24T00:00:00Z'));
      const vehicle: VehicleInfo = known ?? {
        vin: valid,
        source: 'decoded',
        ...(decoded.brand ? { brand: decoded.brand } : {}),
        ...(decoded.modelYear ? { modelYear: decoded.modelYear } : {}),
        openCampaigns: [],
      };
      return evaluateEligibility(vehicle, catalog);
    },
    async listDrives() {
      return drives;
    },
    /** Accepts the write and answers its first state; progress is the core's business, not this fixture's. */
    async startWrite({ vin, packageIds, targets, eraseConfirmed }) {
      const valid = parseVin(vin);
      signedIn();
      const packages = packageIds.map((id) => {
        const p = catalog.packages.find((x) => x.id === id);
        if (!p) throw new PncError('PACKAGE_UNKNOWN', `No package ${id} in the catalog.`, { packageId: id });
        return p;
      });
      for (const target of targets) {
        if (target.kind !== 'device') continue;
        const drive = drives.find((d) => d.device === target.device);
        if (!drive?.offered)
          throw new PncError('DRIVE_REFUSED', `${target.device} is not a removable USB key.`, {
            device: target.device,
          });
        if (!eraseConfirmed)
          throw new PncError('VALIDATION_FAILED', `Writing erases ${target.device}: confirm it first.`);
      }
      const job: JobState = {
        jobId: `job-${jobs.size + 1}`,
        vin: valid,
        packageIds,
        targets,
        phase: 'preparing',
        bytesDone: 0,
        bytesTotal: packages.reduce((n, p) => n + p.files.reduce((m, f) => m + f.size, 0), 0),
        bytesPerSecond: 0,
        etaSeconds: null,
        keys: targets.map((t) => ({
          label: t.kind === 'device' ? t.device : t.path,
          phase: 'preparing',
          bytesDone: 0,
          error: null,
          keyId: null,
        })),
        error: null,
        startedAt: '2026-11-24T09:30:00Z',
      };
      jobs.set(job.jobId, job);
      emit({ type: 'job', job });
      return job;
    },
    async cancelWrite({ jobId }) {
      const job = jobs.get(jobId);
      if (!job) throw new PncError('NOT_FOUND', `No write job ${jobId}.`);
      const cancelled: JobState = {
        ...job,
        phase: 'cancelled',
        error: { code: 'WRITE_CANCELLED', message: 'Cancelled by the technician.' },
      };
      jobs.set(jobId, cancelled);
      emit({ type: 'job', job: cancelled });
      return cancelled;
    },
    async listJobs() {
      return [...jobs.values()];
    },
    async listKeys() {
      return keys;
    },
    async confirmInstallation({ keyId, outcome, failureReason, note }) {
      const i = keys.findIndex((k) => k.keyId === keyId);
      const key = keys[i];
      if (!key) throw new PncError('NOT_FOUND', `No key ${keyId} written on this workstation.`);
      if (key.confirmation) return key;
      const confirmed: KeyRecord = {
        ...key,
        status: outcome === 'SUCCESS' ? 'installed' : 'failed',
        confirmation: {
          id: '00000000-0000-4000-8000-00000000000' + String(i % 10),
          outcome,
          ...(failureReason ? { failureReason } : {}),
          ...(note ? { note } : {}),
          at: '2026-11-24T10:00:00Z',
          acknowledged: state.server !== null,
        },
      };
      keys[i] = confirmed;
      emit({ type: 'keys', keys: [...keys] });
      return confirmed;
    },
    async discoverServers() {
      return [
        { url: 'http://192.168.1.20:8080', name: serverInfo.name, via: 'dns-sd' },
        ...(state.serverUrl ? [{ url: state.serverUrl, name: 'Last used', via: 'saved' as const }] : []),
      ];
    },
    async getSettings() {
      return settings;
    },
    async setSettings(patch) {
      settings = { ...settings, ...patch };
      return settings;
    },
    async clearCache() {
      settings = { ...settings, cacheUsedBytes: 0, cacheFiles: 0 };
      return settings;
    },
    async exportLogs() {
      return { fileName: 'plugnconnect-test.log', content: '{"event":"connected"}\n' };
    },
    async measureLinkSpeed() {
      return {
        lanBytesPerSecond: state.user ? 112_000_000 : null,
        lastKeyBytesPerSecond: null,
        measuredAt: '2026-11-24T09:30:00Z',
      };
    },
    addKey(record) {
      keys.push(record);
      emit({ type: 'keys', keys: [...keys] });
    },
    onEvent(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    emit,
    listenerCount: () => listeners.size,
  };
}
