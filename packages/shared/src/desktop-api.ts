import { z } from 'zod';
import { ServerInfo, SessionUser } from './api.js';
import {
  EligibilityResult,
  FailureReason,
  HeadUnitFamily,
  Locale,
  LocalizedText,
  UpdateKind,
} from './domain.js';

/** A server found on the LAN, or typed by the technician. */
export const DiscoveredServer = z.object({
  url: z.url(),
  name: z.string(),
  via: z.enum(['dns-sd', 'broadcast', 'dns-name', 'manual', 'saved']),
});
export type DiscoveredServer = z.infer<typeof DiscoveredServer>;

export const ConnectionState = z.object({
  serverUrl: z.string().nullable(),
  server: ServerInfo.nullable(),
  /** Whether the workstation verified the server's content against the carmaker's root. */
  contentVerified: z.boolean(),
  /**
   * What the workstation is doing about this connection now: reaching the server, or verifying its
   * content (the session is usable meanwhile; eligibility and writing wait for the verification).
   */
  activity: z.enum(['connecting', 'verifying']).nullable(),
  /** The signed-in user on that server, or null. */
  user: SessionUser.nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
});
export type ConnectionState = z.infer<typeof ConnectionState>;

const NoInput = z.object({}).strict().default({});

/** The workstation's own settings, kept in a plain file next to its other state. */
export const WorkstationSettings = z.object({
  /** The UI language the technician chose; null until chosen (the system's language is used). */
  language: Locale.nullable(),
  /** The largest size the download cache may take on this computer's disk; 0 turns it off. */
  cacheMaxBytes: z
    .number()
    .int()
    .min(0)
    .max(2 ** 50),
});
export type WorkstationSettings = z.infer<typeof WorkstationSettings>;

/** The settings and what the cache holds now. */
export const SettingsState = WorkstationSettings.extend({
  cacheUsedBytes: z.number().int().min(0),
  cacheFiles: z.number().int().min(0),
});
export type SettingsState = z.infer<typeof SettingsState>;

/** How fast this workstation gets bytes from the server, and how fast its last key was written. */
export const LinkSpeed = z.object({
  /** Measured now by reading a piece of a signed file from the server; null when it could not be measured. */
  lanBytesPerSecond: z.number().min(0).nullable(),
  /** Average speed of the last key written here (LAN and key together), null before the first one. */
  lastKeyBytesPerSecond: z.number().min(0).nullable(),
  measuredAt: z.iso.datetime(),
});
export type LinkSpeed = z.infer<typeof LinkSpeed>;

/** A drive as the workstation sees it; `offered` false with a `refusal` when the core will not write it. */
export const DriveInfo = z.object({
  id: z.string(),
  device: z.string(),
  size: z.number().int().min(0),
  description: z.string(),
  mountpoints: z.array(z.string()),
  isUSB: z.boolean(),
  isRemovable: z.boolean(),
  isSystem: z.boolean(),
  isReadOnly: z.boolean(),
  /** A key on a USB 2.0 port makes key creation several times slower. */
  usbSpeed: z.enum(['usb1', 'usb2', 'usb3', 'unknown']),
  offered: z.boolean(),
  refusal: z.object({ code: z.string(), reason: z.string() }).nullable(),
});
export type DriveInfo = z.infer<typeof DriveInfo>;

/** Where a key is written: a whole removable device (erased), or an image file (IT, tests). */
export const KeyTarget = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('device'), device: z.string().min(1).max(256) }),
  z.object({
    kind: z.literal('image'),
    path: z.string().min(1).max(1024),
    size: z.number().int().positive(),
  }),
]);
export type KeyTarget = z.infer<typeof KeyTarget>;

export const WritePhase = z.enum([
  'preparing',
  'writing',
  'verifying',
  'finalizing',
  'done',
  'failed',
  'cancelled',
]);
export type WritePhase = z.infer<typeof WritePhase>;

export const KeyJobState = z.object({
  label: z.string(),
  phase: z.union([WritePhase, z.literal('failed')]),
  bytesDone: z.number().int().min(0),
  /** Why this key failed; `details` as the core's error gives them (e.g. `missingBytes` for a key too small). */
  error: z
    .object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()).optional() })
    .nullable(),
  keyId: z.string().nullable(),
});
export type KeyJobState = z.infer<typeof KeyJobState>;

/** One download writing one or several keys; a key that fails is dropped, the others go on. */
export const JobState = z.object({
  jobId: z.string(),
  vin: z.string(),
  packageIds: z.array(z.string()),
  targets: z.array(KeyTarget),
  phase: WritePhase,
  bytesDone: z.number().int().min(0),
  bytesTotal: z.number().int().min(0),
  bytesPerSecond: z.number().min(0),
  etaSeconds: z.number().int().nullable(),
  keys: z.array(KeyJobState),
  /** Set when the whole job failed or was cancelled. */
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  startedAt: z.iso.datetime(),
});
export type JobState = z.infer<typeof JobState>;

export const KeyRecord = z.object({
  keyId: z.string(),
  vin: z.string(),
  headUnit: HeadUnitFamily.nullable(),
  packages: z.array(
    z.object({ id: z.string(), kind: UpdateKind, version: z.string(), title: LocalizedText }),
  ),
  target: z.string(),
  writtenAt: z.iso.datetime(),
  status: z.enum(['awaiting-confirmation', 'installed', 'failed']),
  confirmation: z
    .object({
      id: z.uuid(),
      outcome: z.enum(['SUCCESS', 'FAILURE']),
      failureReason: FailureReason.optional(),
      note: z.string().optional(),
      at: z.iso.datetime(),
      /** False while the server has not acknowledged it (it is retried; nothing is lost). */
      acknowledged: z.boolean(),
    })
    .nullable(),
});
export type KeyRecord = z.infer<typeof KeyRecord>;

/**
 * The desktop API, typed once: each method takes one input object and answers one value.
 * Implemented twice — Electron IPC (preload + main) and the local HTTP agent — and both sides
 * validate with these schemas.
 */
export const desktopApiContract = {
  getConnection: { input: NoInput, output: ConnectionState },
  /** Servers found on the LAN (DNS-SD, UDP probe, the fixed DNS name) plus the last one used, each confirmed. */
  discoverServers: {
    input: z
      .object({ timeoutMs: z.number().int().min(200).max(10_000).default(2_500) })
      .strict()
      .default({ timeoutMs: 2_500 }),
    output: z.array(DiscoveredServer),
  },
  connect: { input: z.object({ url: z.string().min(1).max(512) }), output: ConnectionState },
  signIn: {
    input: z.object({ username: z.string().min(1).max(64), password: z.string().min(1).max(256) }),
    output: ConnectionState,
  },
  /** Required after a first access or a reset before anything else works. */
  changePassword: {
    input: z.object({ currentPassword: z.string().min(1).max(256), newPassword: z.string().min(1).max(256) }),
    output: ConnectionState,
  },
  signOut: { input: NoInput, output: ConnectionState },
  /** Eligibility re-evaluated on the workstation over the catalog it verified itself. */
  checkVehicle: { input: z.object({ vin: z.string().max(64) }), output: EligibilityResult },
  listDrives: { input: NoInput, output: z.array(DriveInfo) },
  /** Starts writing keys (one download for all); progress arrives as `job` events. Erasing devices needs `eraseConfirmed`. */
  startWrite: {
    input: z.object({
      vin: z.string().max(64),
      packageIds: z.array(z.string().max(80)).min(1).max(8),
      targets: z.array(KeyTarget).min(1).max(4),
      eraseConfirmed: z.boolean(),
    }),
    output: JobState,
  },
  cancelWrite: { input: z.object({ jobId: z.string().max(64) }), output: JobState },
  listJobs: { input: NoInput, output: z.array(JobState) },
  /** Keys written on this workstation: awaiting confirmation first, then history. */
  listKeys: { input: NoInput, output: z.array(KeyRecord) },
  getSettings: { input: NoInput, output: SettingsState },
  /** Changes only the fields given; answers the settings as saved. */
  setSettings: { input: WorkstationSettings.partial().strict(), output: SettingsState },
  /** Empties the download cache (nothing in it is needed: every file can be downloaded again). */
  clearCache: { input: NoInput, output: SettingsState },
  /** The workstation's log (connections, sign-ins, keys written, errors) for support. */
  exportLogs: { input: NoInput, output: z.object({ fileName: z.string(), content: z.string() }) },
  /** A short timed read from the server, for the estimated key time. */
  measureLinkSpeed: { input: NoInput, output: LinkSpeed },
  confirmInstallation: {
    input: z
      .object({
        keyId: z.string().max(64),
        outcome: z.enum(['SUCCESS', 'FAILURE']),
        failureReason: FailureReason.optional(),
        note: z.string().max(2000).optional(),
      })
      .refine((c) => c.outcome === 'SUCCESS' || c.failureReason !== undefined, {
        message: 'a failure needs a reason',
        path: ['failureReason'],
      }),
    output: KeyRecord,
  },
} as const;
export type DesktopApiContract = typeof desktopApiContract;
export type DesktopMethod = keyof DesktopApiContract;
export type DesktopInput<M extends DesktopMethod> = z.input<DesktopApiContract[M]['input']>;
export type DesktopOutput<M extends DesktopMethod> = z.output<DesktopApiContract[M]['output']>;

export const DesktopEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('connection'), state: ConnectionState }),
  z.object({ type: z.literal('drives'), drives: z.array(DriveInfo) }),
  z.object({ type: z.literal('job'), job: JobState }),
  z.object({ type: z.literal('keys'), keys: z.array(KeyRecord) }),
]);
export type DesktopEvent = z.infer<typeof DesktopEvent>;

export type DesktopApi = {
  [M in DesktopMethod]: (input: DesktopInput<M>) => Promise<DesktopOutput<M>>;
} & {
  /** Subscribes to pushed events; returns the unsubscribe function. */
  onEvent(listener: (event: DesktopEvent) => void): () => void;
};
