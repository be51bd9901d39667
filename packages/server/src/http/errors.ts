import type { FastifyError, FastifyInstance } from 'fastify';
import { isPncError, type ApiErrorBody, type ErrorCode } from '@pnc/shared';

const STATUS: Partial<Record<ErrorCode, number>> = {
  UNAUTHENTICATED: 401,
  INVALID_CREDENTIALS: 401,
  FORBIDDEN: 403,
  PASSWORD_CHANGE_REQUIRED: 403,
  ACCOUNT_DISABLED: 403,
  NOT_FOUND: 404,
  PACKAGE_UNKNOWN: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  BODY_TOO_LARGE: 413,
  RANGE_NOT_SATISFIABLE: 416,
  TOO_MANY_ATTEMPTS: 429,
  NO_CONTENT_YET: 503,
  DISK_SPACE_LOW: 507,
  INTERNAL: 500,
};

/** HTTP status for an error code: client mistakes are 4xx, never 500. */
export function statusFor(code: ErrorCode): number {
  return STATUS[code] ?? 400;
}

/** One error shape everywhere; a stack trace never reaches a client. */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    let body: ApiErrorBody;
    let status: number;
    if (isPncError(err)) {
      body = err.toJSON();
      status = statusFor(body.code);
    } else if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      body = { code: 'BODY_TOO_LARGE', message: 'The request body is too large.' };
      status = 413;
    } else if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      // Fastify's own client errors: malformed JSON, bad content type…
      body = { code: 'VALIDATION_FAILED', message: err.message };
      status = err.statusCode;
    } else {
      req.log.error({ err }, 'unexpected error');
      body = { code: 'INTERNAL', message: 'Unexpected server error; it has been logged.' };
      status = 500;
    }
    void reply.status(status).send(body);
  });
  app.setNotFoundHandler((req, reply) => {
    void reply
      .status(404)
      .send({
        code: 'NOT_FOUND',
        message: `No route ${req.method} ${req.url.split('?')[0]}`,
      } satisfies ApiErrorBody);
  });
}
