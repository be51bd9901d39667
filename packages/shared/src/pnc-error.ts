/**
 * PncError without zod: what a module that only throws and recognises errors needs (the box's
 * download threads load this alone, `@pnc/shared/errors`, not the schemas). errors.ts builds the
 * zod enum from the same list.
 */

/**
 * Stable error codes. Clients translate and branch on the code, never on the message,
 * so a code is never renamed once released.
 */
export const ERROR_CODES = [
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
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** The one error shape every API answer and every CLI `--json` failure uses (schema: ApiErrorBody). */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

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
  toJSON(): ErrorBody {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

export function isPncError(e: unknown): e is PncError {
  return (
    e instanceof PncError ||
    (typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'PncError')
  );
}
