import axios, { AxiosError, type AxiosInstance, type AxiosResponse } from 'axios';
import {
  ApiErrorBody,
  apiRoutes,
  CatalogResponse,
  EligibilityResult,
  LoginResponse,
  PncError,
  routePath,
  ServerInfo,
  SessionUser,
  VehicleInfo,
  type InstallationAck,
  type InstallationConfirmation,
} from '@pnc/shared';
import { InstallationAck as InstallationAckSchema } from '@pnc/shared';
import type { z } from 'zod';
import { requestBlob, transportError, type BlobBody, type BlobRequestOptions } from './blob-request.js';

export interface ServerClientOptions {
  token?: string;
  /** For JSON calls; blob streams use an idle timeout instead (see openBlob). */
  timeoutMs?: number;
}

/** Maps a transport or server failure to a PncError the UI can translate. */
export function toPncError(e: unknown, baseUrl: string): PncError {
  if (e instanceof PncError) return e;
  if (e instanceof AxiosError) {
    const body = ApiErrorBody.safeParse(e.response?.data);
    if (body.success) return new PncError(body.data.code, body.data.message, body.data.details);
    if (e.response) {
      return new PncError(
        'DOWNLOAD_FAILED',
        `The server answered ${e.response.status} for ${e.config?.url ?? ''}.`,
        {
          status: e.response.status,
        },
      );
    }
    return transportError(e.code, e.message, baseUrl);
  }
  return new PncError('INTERNAL', (e as Error)?.message ?? String(e));
}

/** Normalises what a technician types: `192.168.1.10` → `http://192.168.1.10:8080`. */
export function normalizeServerUrl(input: string): string {
  let s = input.trim();
  if (!/^https?:\/\//i.test(s)) s = `http://${s}`;
  const u = new URL(s);
  const explicitPort = /^(?:https?:\/\/)?(?:\[[^\]]+\]|[^/:]+):\d+/i.test(input.trim());
  if (!explicitPort && u.protocol === 'http:') u.port = '8080';
  u.pathname = u.pathname.replace(/\/+$/, '');
  return u.toString().replace(/\/$/, '');
}

/**
 * Typed client of the LAN API: JSON calls over axios, validated against the shared contract;
 * blob bodies over node:http (see blob-request).
 */
export class ServerClient {
  readonly baseUrl: string;
  readonly http: AxiosInstance;
  private authorization: string | null = null;

  constructor(baseUrl: string, opts: ServerClientOptions = {}) {
    this.baseUrl = normalizeServerUrl(baseUrl);
    this.http = axios.create({
      baseURL: this.baseUrl,
      timeout: opts.timeoutMs ?? 15_000,
      maxRedirects: 0,
    });
    this.setToken(opts.token ?? null);
  }

  /** Uses this bearer token from now on (null signs the client out). */
  setToken(token: string | null): void {
    this.authorization = token ? `Bearer ${token}` : null;
    if (this.authorization) this.http.defaults.headers.common.authorization = this.authorization;
    else delete this.http.defaults.headers.common.authorization;
  }

  private async call<T extends z.ZodType>(
    method: 'get' | 'post',
    path: string,
    schema: T,
    body?: unknown,
  ): Promise<z.output<T>> {
    let res: AxiosResponse;
    try {
      res = method === 'get' ? await this.http.get(path) : await this.http.post(path, body ?? {});
    } catch (e) {
      throw toPncError(e, this.baseUrl);
    }
    const parsed = schema.safeParse(res.data);
    if (!parsed.success) {
      throw new PncError(
        'METADATA_INVALID',
        `The server's answer to ${path} does not match the API contract.`,
        {
          issues: parsed.error.issues.slice(0, 5),
        },
      );
    }
    return parsed.data;
  }

  private getJson<T extends z.ZodType>(path: string, schema: T): Promise<z.output<T>> {
    return this.call('get', path, schema);
  }

  login(username: string, password: string, workstation: string): Promise<LoginResponse> {
    return this.call('post', apiRoutes.login.path, LoginResponse, { username, password, workstation });
  }
  me(): Promise<SessionUser> {
    return this.getJson(apiRoutes.me.path, SessionUser);
  }
  changePassword(currentPassword: string, newPassword: string): Promise<SessionUser> {
    return this.call('post', apiRoutes.changePassword.path, SessionUser, { currentPassword, newPassword });
  }
  async logout(): Promise<void> {
    await this.http.post(apiRoutes.logout.path).catch(() => undefined);
  }
  confirmInstallation(c: InstallationConfirmation): Promise<InstallationAck> {
    return this.call('post', apiRoutes.postInstallation.path, InstallationAckSchema, c);
  }

  info(): Promise<ServerInfo> {
    return this.getJson(apiRoutes.info.path, ServerInfo);
  }
  catalog(): Promise<CatalogResponse> {
    return this.getJson(apiRoutes.catalog.path, CatalogResponse);
  }
  vehicle(vin: string): Promise<VehicleInfo> {
    return this.getJson(routePath(apiRoutes.vehicle.path, { vin }), VehicleInfo);
  }
  eligibility(vin: string): Promise<EligibilityResult> {
    return this.getJson(routePath(apiRoutes.eligibility.path, { vin }), EligibilityResult);
  }

  /**
   * Opens a blob stream from `start`, with If-Range so a changed file never splices. No overall
   * timeout: `idleTimeoutMs` fails a server that goes silent (see requestBlob).
   */
  openBlob(
    hash: string,
    start: number,
    opts: BlobRequestOptions = {},
  ): Promise<{ stream: BlobBody; status: number; total: number }> {
    const headers: Record<string, string> =
      start > 0 ? { range: `bytes=${start}-`, 'if-range': `"${hash}"` } : {};
    if (this.authorization) headers.authorization = this.authorization;
    return requestBlob(
      `${this.baseUrl}${routePath(apiRoutes.blob.path, { hash })}`,
      this.baseUrl,
      headers,
      opts,
    );
  }
}
