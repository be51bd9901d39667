import { z } from 'zod';
import { ApiErrorBody } from './errors.js';
import { Catalog, EligibilityResult, Sha256, VehicleInfo } from './domain.js';

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
