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
