import type { FastifyInstance, FastifyRequest } from 'fastify';
import { PncError, type AuthLevel } from '@pnc/shared';
import type { Accounts, Principal } from '../accounts/accounts.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route; routes that do not say require a technician (secure by default). */
    auth?: AuthLevel;
    /** Routes a user who must change their password may still use. */
    allowPasswordChangePending?: boolean;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

function bearer(req: FastifyRequest): string | null {
  const h = req.headers.authorization;
  if (!h) return null;
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  return m ? m[1]! : null;
}

/** Checks the bearer token and the route's required role before any handler runs. */
export function installAuth(app: FastifyInstance, accounts: Accounts): void {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (req) => {
    // No route matched: let the not-found handler answer 404 with its code.
    if (!req.routeOptions.url) return;
    const level = req.routeOptions.config.auth ?? 'technician';
    const token = bearer(req);
    req.principal = token ? accounts.authenticate(token, req.ip) : null;
    if (level === 'none') return;
    if (!req.principal) {
      throw new PncError(
        'UNAUTHENTICATED',
        token ? 'Your session has expired or was revoked: sign in again.' : 'Sign in first.',
      );
    }
    if (req.principal.mustChangePassword && !req.routeOptions.config.allowPasswordChangePending) {
      throw new PncError('PASSWORD_CHANGE_REQUIRED', 'Change your one-time password before anything else.');
    }
    if (level === 'admin' && req.principal.role !== 'admin') {
      throw new PncError('FORBIDDEN', 'This needs an administrator account.');
    }
  });
}

/** The principal of an authenticated route (the hook guarantees it is there). */
export function principal(req: FastifyRequest): Principal {
  if (!req.principal) throw new PncError('UNAUTHENTICATED', 'Sign in first.');
  return req.principal;
}
