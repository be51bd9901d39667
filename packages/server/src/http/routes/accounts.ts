import type { FastifyInstance } from 'fastify';
import { apiRoutes as r } from '@pnc/shared';
import type { Accounts } from '../../accounts/accounts.js';
import { principal } from '../auth.js';
import { parseWith } from '../validate.js';

export function accountRoutes(app: FastifyInstance, accounts: Accounts): void {
  app.post('/api/v1/auth/login', { config: { auth: 'none' } }, async (req) => {
    const body = parseWith(r.login.body, req.body, 'sign-in');
    return accounts.login({ ...body, address: req.ip });
  });
  app.post('/api/v1/auth/logout', { config: { allowPasswordChangePending: true } }, async (req, reply) => {
    accounts.logout(principal(req));
    return reply.status(204).send();
  });
  app.get('/api/v1/auth/me', { config: { allowPasswordChangePending: true } }, async (req) => {
    const { username, role, mustChangePassword } = principal(req);
    return { username, role, mustChangePassword };
  });
  app.post('/api/v1/auth/password', { config: { allowPasswordChangePending: true } }, async (req) => {
    const body = parseWith(r.changePassword.body, req.body, 'password change');
    return accounts.changePassword(principal(req), body.currentPassword, body.newPassword, req.ip);
  });

  app.get('/api/v1/users', { config: { auth: 'admin' } }, async () => accounts.list());
  app.post('/api/v1/users', { config: { auth: 'admin' } }, async (req, reply) => {
    const body = parseWith(r.createUser.body, req.body, 'account');
    return reply.status(201).send(await accounts.create(principal(req), body.username, body.role));
  });
  app.patch('/api/v1/users/:username', { config: { auth: 'admin' } }, async (req) => {
    const { username } = parseWith(r.updateUser.params, req.params, 'username');
    const body = parseWith(r.updateUser.body, req.body, 'account change');
    return accounts.update(principal(req), username, body);
  });
  app.post('/api/v1/users/:username/reset-password', { config: { auth: 'admin' } }, async (req) => {
    const { username } = parseWith(r.resetPassword.params, req.params, 'username');
    return accounts.resetPassword(principal(req), username);
  });
}
