import { z } from 'zod';
import { ApiErrorBody } from './errors.js';
import { Catalog, EligibilityResult, InstallationConfirmation, Sha256, VehicleInfo } from './domain.js';

/** Unauthenticated server identity, for discovery and the workstation's first screen. */
export const ServerInfo = z.object({
  product: z.literal('plugnconnect-server'),
  name: z.string(),
  dealerCode: z.string(),
  version: z.string(),
  apiVersion: z.literal(1),
  serverTime: z.iso.datetime(),
  content: z
    .object({
      /** Version of the signed snapshot the served catalog comes from. */
      version: z.number().int(),
      generatedAt: z.iso.datetime(),
      publishedAt: z.iso.datetime(),
      ageSeconds: z.number().int(),
      packages: z.number().int(),
      expiresAt: z.iso.datetime(),
    })
    .nullable(),
  lastSync: z
    .object({ at: z.iso.datetime(), status: z.enum(['ok', 'failed', 'running']), message: z.string().optional() })
    .nullable(),
});
export type ServerInfo = z.infer<typeof ServerInfo>;

export const CatalogResponse = z.object({ version: z.number().int(), catalog: Catalog });
export type CatalogResponse = z.infer<typeof CatalogResponse>;

export const Role = z.enum(['admin', 'technician']);
export type Role = z.infer<typeof Role>;
export const Username = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$/, '2–64 letters, digits, ".", "_", "@" or "-"');

export const LoginRequest = z.object({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(256),
  /** The workstation's name, shown on the status page. */
  workstation: z.string().max(64).optional(),
});
export const SessionUser = z.object({ username: z.string(), role: Role, mustChangePassword: z.boolean() });
export type SessionUser = z.infer<typeof SessionUser>;
export const LoginResponse = z.object({ token: z.string(), expiresAt: z.iso.datetime(), user: SessionUser });
export type LoginResponse = z.infer<typeof LoginResponse>;
export const ChangePasswordRequest = z.object({ currentPassword: z.string().min(1).max(256), newPassword: z.string().min(1).max(256) });

export const UserSummary = z.object({
  username: z.string(),
  role: Role,
  disabled: z.boolean(),
  mustChangePassword: z.boolean(),
  createdAt: z.iso.datetime(),
});
export type UserSummary = z.infer<typeof UserSummary>;
export const CreateUserRequest = z.object({ username: Username, role: Role });
/** A new or reset account answers its one-time password once; it must be changed at first sign-in. */
export const UserWithPassword = z.object({ user: UserSummary, temporaryPassword: z.string() });
export const UpdateUserRequest = z.object({ role: Role.optional(), disabled: z.boolean().optional() }).strict();
export const UsernameParam = z.object({ username: z.string().max(64) });

export const InstallationRecord = InstallationConfirmation.and(
  z.object({ technician: z.string(), receivedAt: z.iso.datetime(), uploaded: z.boolean() }),
);
export type InstallationRecord = z.infer<typeof InstallationRecord>;
export const InstallationAck = z.object({ id: z.uuid(), receivedAt: z.iso.datetime(), duplicate: z.boolean() });
export type InstallationAck = z.infer<typeof InstallationAck>;
export const InstallationQuery = z.object({
  vin: z.string().max(64).optional(),
  outcome: z.enum(['SUCCESS', 'FAILURE']).optional(),
  from: z.iso.datetime().optional(),
  to: z.iso.datetime().optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export const VinParam = z.object({ vin: z.string().max(64) });
export const BlobParam = z.object({ hash: Sha256 });

/** LAN discovery: DNS-SD service type (`_plugnconnect._tcp`), fixed DNS name, UDP probe and its answer. */
export const DNS_SD_SERVICE_TYPE = 'plugnconnect';
export const DISCOVERY_DNS_NAME = 'plugnconnect';
export const DISCOVERY_UDP_PORT = 48080;
export const DISCOVERY_PROBE = 'PNC-DISCOVER 1';
/** The unicast answer to a probe; a hint only: clients confirm it with GET /api/v1/info. */
export const DiscoveryAnswer = z.object({
  product: z.literal('plugnconnect-server'),
  name: z.string(),
  dealerCode: z.string(),
  version: z.string(),
  port: z.number().int().min(1).max(65535),
  url: z.string(),
});
export type DiscoveryAnswer = z.infer<typeof DiscoveryAnswer>;

export const SyncPhase = z.enum(['idle', 'metadata', 'preflight', 'blobs', 'publishing', 'cleanup']);
export const SyncProgress = z.object({
  phase: SyncPhase,
  filesTotal: z.number().int(),
  filesDone: z.number().int(),
  bytesTotal: z.number(),
  bytesDone: z.number(),
  bytesDownloaded: z.number(),
  rateBytesPerSecond: z.number().nullable(),
  etaSeconds: z.number().nullable(),
});
export const SyncRunRecord = z.object({
  id: z.number().int(),
  trigger: z.string(),
  startedAt: z.iso.datetime(),
  finishedAt: z.iso.datetime().nullable(),
  status: z.enum(['running', 'ok', 'unchanged', 'failed']),
  snapshotVersion: z.number().int().nullable(),
  filesTotal: z.number().int(),
  filesDone: z.number().int(),
  bytesTotal: z.number(),
  bytesDone: z.number(),
  bytesDownloaded: z.number(),
  errorCode: z.string().nullable(),
  errorMessage: z.string().nullable(),
});
export type SyncRunRecord = z.infer<typeof SyncRunRecord>;
/** The mirror's state: a running sync's progress, the last run, the served content and the schedule. */
export const SyncStatus = z.object({
  running: z.boolean(),
  trigger: z.string().nullable(),
  startedAt: z.iso.datetime().nullable(),
  progress: SyncProgress,
  lastRun: SyncRunRecord.nullable(),
  lastSuccessAt: z.iso.datetime().nullable(),
  content: z
    .object({
      snapshotVersion: z.number().int(),
      generatedAt: z.iso.datetime(),
      publishedAt: z.iso.datetime(),
      ageSeconds: z.number().int(),
      expiresAt: z.iso.datetime(),
      secondsToExpiry: z.number().int(),
      expired: z.boolean(),
    })
    .nullable(),
  clock: z.object({ skewSeconds: z.number(), originDate: z.iso.datetime(), warning: z.string().nullable() }).nullable(),
  schedule: z.object({ cron: z.string(), timezone: z.string().nullable(), nextRunAt: z.iso.datetime().nullable() }).nullable(),
  bandwidthLimitBytesPerSecond: z.number().nullable(),
});
export type SyncStatus = z.infer<typeof SyncStatus>;

/** A problem the status page states in plain words; `kind` lets the page translate the headline. */
export const StatusProblem = z.object({
  kind: z.enum(['sync-failed', 'outbox', 'clock', 'content-expired', 'content-missing', 'disk-low']),
  at: z.iso.datetime().nullable(),
  message: z.string(),
});
export type StatusProblem = z.infer<typeof StatusProblem>;
export const StatusResponse = z.object({
  info: ServerInfo,
  /** Null when the box has no origin configured. */
  sync: SyncStatus.nullable(),
  syncHistory: z.array(SyncRunRecord),
  disk: z.object({ path: z.string(), totalBytes: z.number(), freeBytes: z.number(), storeBytes: z.number() }),
  outbox: z.object({ pending: z.number().int(), oldest: z.string().nullable(), lastError: z.string().nullable(), sent: z.number().int() }),
  workstations: z.array(
    z.object({ workstation: z.string().nullable(), address: z.string().nullable(), username: z.string(), lastSeenAt: z.iso.datetime() }),
  ),
  errors: z.array(StatusProblem),
});
export type StatusResponse = z.infer<typeof StatusResponse>;

export const AuditEntry = z.object({
  at: z.iso.datetime(),
  event: z.string(),
  actor: z.string().nullable(),
  address: z.string().nullable(),
  details: z.unknown(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;
export const AuditQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) });

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type AuthLevel = 'none' | 'technician' | 'admin';

export interface RouteDef {
  method: HttpMethod;
  path: string;
  auth: AuthLevel;
  summary: string;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  /** JSON answer; absent for binary answers (blobs, signed metadata served as-is). */
  response?: z.ZodType;
}

/**
 * The LAN API contract: one table read by the server (validation, OpenAPI) and by clients
 * (paths and answer schemas). Paths use `{name}` placeholders.
 */
export const apiRoutes = {
  info: { method: 'GET', path: '/api/v1/info', auth: 'none', summary: 'Server identity and content age', response: ServerInfo },
  health: {
    method: 'GET',
    path: '/api/v1/health',
    auth: 'none',
    summary: 'Liveness',
    response: z.object({ status: z.literal('ok') }),
  },
  catalog: { method: 'GET', path: '/api/v1/catalog', auth: 'technician', summary: 'The served catalog', response: CatalogResponse },
  vehicle: {
    method: 'GET',
    path: '/api/v1/vehicles/{vin}',
    auth: 'technician',
    summary: 'Registry record, or what the VIN decodes to',
    params: VinParam,
    response: VehicleInfo,
  },
  eligibility: {
    method: 'GET',
    path: '/api/v1/vehicles/{vin}/eligibility',
    auth: 'technician',
    summary: 'Updates this vehicle needs, campaigns first, and why the others do not apply',
    params: VinParam,
    response: EligibilityResult,
  },
  blob: {
    method: 'GET',
    path: '/api/v1/blobs/sha256/{hash}',
    auth: 'technician',
    summary: 'A content-addressed file; supports Range, If-Range and HEAD',
    params: BlobParam,
  },
  tufMetadata: {
    method: 'GET',
    path: '/api/v1/tuf/metadata/{file}',
    auth: 'none',
    summary: 'Signed metadata, as the carmaker signed it',
    params: z.object({ file: z.string().max(128) }),
  },
  tufTarget: {
    method: 'GET',
    path: '/api/v1/tuf/targets/{file}',
    auth: 'none',
    summary: 'Signed targets (catalog, vehicle registry) by consistent-snapshot name',
    params: z.object({ file: z.string().max(200) }),
  },
  login: {
    method: 'POST',
    path: '/api/v1/auth/login',
    auth: 'none',
    summary: 'Sign in; answers a bearer token',
    body: LoginRequest,
    response: LoginResponse,
  },
  logout: { method: 'POST', path: '/api/v1/auth/logout', auth: 'technician', summary: 'Revoke this token' },
  me: { method: 'GET', path: '/api/v1/auth/me', auth: 'technician', summary: 'The signed-in user', response: SessionUser },
  changePassword: {
    method: 'POST',
    path: '/api/v1/auth/password',
    auth: 'technician',
    summary: 'Change one\'s own password (required after a first access or a reset)',
    body: ChangePasswordRequest,
    response: SessionUser,
  },
  listUsers: { method: 'GET', path: '/api/v1/users', auth: 'admin', summary: 'Accounts', response: z.array(UserSummary) },
  createUser: {
    method: 'POST',
    path: '/api/v1/users',
    auth: 'admin',
    summary: 'Create an account with a one-time password',
    body: CreateUserRequest,
    response: UserWithPassword,
  },
  updateUser: {
    method: 'PATCH',
    path: '/api/v1/users/{username}',
    auth: 'admin',
    summary: 'Change role, disable or enable',
    params: UsernameParam,
    body: UpdateUserRequest,
    response: UserSummary,
  },
  resetPassword: {
    method: 'POST',
    path: '/api/v1/users/{username}/reset-password',
    auth: 'admin',
    summary: 'New one-time password; signs the user out everywhere',
    params: UsernameParam,
    response: UserWithPassword,
  },
  postInstallation: {
    method: 'POST',
    path: '/api/v1/installations',
    auth: 'technician',
    summary: 'Confirm an installation (idempotent by id; acknowledged once durable)',
    body: InstallationConfirmation,
    response: InstallationAck,
  },
  listInstallations: {
    method: 'GET',
    path: '/api/v1/installations',
    auth: 'technician',
    summary: 'Confirmations by VIN, outcome and date',
    query: InstallationQuery,
    response: z.array(InstallationRecord),
  },
  status: {
    method: 'GET',
    path: '/api/v1/status',
    auth: 'admin',
    summary: 'Everything the status page shows: content, sync, disk, outbox, workstations, problems',
    response: StatusResponse,
  },
  syncStatus: {
    method: 'GET',
    path: '/api/v1/sync',
    auth: 'technician',
    summary: 'The mirror\'s state; null when the box has no origin configured',
    response: SyncStatus.nullable(),
  },
  syncNow: {
    method: 'POST',
    path: '/api/v1/sync',
    auth: 'admin',
    summary: 'Start a synchronisation now (202, without waiting); 409 when no origin is configured or another process syncs',
    response: SyncStatus,
  },
  audit: {
    method: 'GET',
    path: '/api/v1/audit',
    auth: 'admin',
    summary: 'Audit log, newest first',
    query: AuditQuery,
    response: z.array(AuditEntry),
  },
} as const satisfies Record<string, RouteDef>;
export type ApiRoutes = typeof apiRoutes;

/** Fills `{name}` placeholders, URL-encoding each value. */
export function routePath(path: string, params: Record<string, string>): string {
  return path.replace(/\{(\w+)\}/g, (_, k: string) => {
    const v = params[k];
    if (v === undefined) throw new Error(`missing path parameter ${k}`);
    return encodeURIComponent(v);
  });
}

export { ApiErrorBody };
