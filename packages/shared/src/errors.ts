import { z } from 'zod';
import { ERROR_CODES, PncError } from './pnc-error.js';

export { ERROR_CODES, PncError, isPncError } from './pnc-error.js';

/** Stable error codes (the list and its rules: pnc-error.ts). */
export const ErrorCode = z.enum(ERROR_CODES);

export type ErrorCode = z.infer<typeof ErrorCode>;

/** The one error shape every API answer and every CLI `--json` failure uses. */
export const ApiErrorBody = z.object({
  code: ErrorCode,
  message: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type ApiErrorBody = z.infer<typeof ApiErrorBody>;

/** Turns a zod failure into the API error shape, naming each offending field. */
export function validationError(error: z.ZodError, what = 'request'): PncError {
  const issues = error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  const first = issues[0];
  const where = first && first.path ? ` (${first.path}: ${first.message})` : first ? ` (${first.message})` : '';
  return new PncError('VALIDATION_FAILED', `Invalid ${what}${where}`, { issues });
}
