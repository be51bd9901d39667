import { z } from 'zod';

/**
 * Stable error codes. Clients translate and branch on the code, never on the message,
 * so a code is never renamed once released.
 */
export const ErrorCode = z.enum([
  // input
  'VALIDATION_FAILED',
  'VIN_EMPTY',
  'VIN_TOO_SHORT',
  'VIN_TOO_LONG',
  'VIN_INVALID_CHARACTER',
  'VIN_FORBIDDEN_LETTER',
  'BODY_TOO_LARGE',
  'NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'RANGE_NOT_SATISFIABLE',
  // accounts
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'INVALID_CREDENTIALS',
  'PASSWORD_CHANGE_REQUIRED',
  'TOO_MANY_ATTEMPTS',
  'ACCOUNT_DISABLED',
  // content
  'NO_CONTENT_YET',
  'PACKAGE_UNKNOWN',
  'PACKAGE_NOT_ELIGIBLE',
  'CONFLICT',
  // trust
  'METADATA_INVALID',
  'METADATA_EXPIRED',
  'METADATA_ROLLBACK',
  'SIGNATURE_INVALID',
  'HASH_MISMATCH',
  'LENGTH_MISMATCH',
  // FAT32 and keys
  'FAT32_FILE_TOO_LARGE',
  'FAT32_INVALID_NAME',
  'FAT32_NAME_COLLISION',
  'FAT32_DIRECTORY_FULL',
  'FAT32_VOLUME_TOO_SMALL',
  'FAT32_VOLUME_SIZE_UNSUPPORTED',
  'DRIVE_REFUSED',
  'WRITE_CANCELLED',
  'WRITE_FAILED',
  'VERIFY_FAILED',
  // transport
  'SERVER_UNREACHABLE',
  'DOWNLOAD_FAILED',
  'DISK_SPACE_LOW',
  'TIMEOUT',
  'INTERNAL',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

/** The one error shape every API answer and every CLI `--json` failure uses. */
export const ApiErrorBody = z.object({
  code: ErrorCode,
  message: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type ApiErrorBody = z.infer<typeof ApiErrorBody>;

/** An expected failure with a stable code; anything else is a bug (`INTERNAL`). */
export class PncError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;
  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'PncError';
    this.code = code;
    this.details = details;
  }
  toJSON(): ApiErrorBody {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

export function isPncError(e: unknown): e is PncError {
  return e instanceof PncError || (typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'PncError');
}

/** Turns a zod failure into the API error shape, naming each offending field. */
export function validationError(error: z.ZodError, what = 'request'): PncError {
  const issues = error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  const first = issues[0];
  const where = first && first.path ? ` (${first.path}: ${first.message})` : first ? ` (${first.message})` : '';
  return new PncError('VALIDATION_FAILED', `Invalid ${what}${where}`, { issues });
}
