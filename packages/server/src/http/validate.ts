import type { z } from 'zod';
import { validationError } from '@pnc/shared';

/** Parses a request part with a contract schema; a failure is a 400 naming the field. */
export function parseWith<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const r = schema.safeParse(value);
  if (!r.success) throw validationError(r.error, what);
  return r.data;
}
