import { ErrorCode, isPncError, PncError, type ApiErrorBody } from '@pnc/shared';

/**
 * Any failure as a PncError: errors that crossed a transport arrive as plain `{code, message,
 * details}` objects; anything without a known code is reported as INTERNAL, never as raw text.
 */
export function toPncError(e: unknown): PncError {
  if (e instanceof PncError) return e;
  if (isPncError(e) || (typeof e === 'object' && e !== null && 'code' in e)) {
    const { code, message, details } = e as { code?: unknown; message?: unknown; details?: unknown };
    const known = ErrorCode.safeParse(code);
    if (known.success) {
      return new PncError(
        known.data,
        typeof message === 'string' ? message : known.data,
        typeof details === 'object' && details !== null ? (details as Record<string, unknown>) : undefined,
      );
    }
  }
  return new PncError('INTERNAL', 'Unexpected error');
}

/** The serialisable form the stores keep. */
export function toApiError(e: unknown): ApiErrorBody {
  return toPncError(e).toJSON();
}
