import { isPncError, PncError } from '@pnc/shared';
import type { TufFetcher } from './tuf-fetcher.js';

const ROLE_FILE = /(root|timestamp|snapshot|targets)(?:\.json)?/;

function expiresOf(bytes: Buffer | undefined): string | null {
  try {
    const v = (JSON.parse(bytes?.toString('utf8') ?? '') as { signed?: { expires?: unknown } }).signed
      ?.expires;
    return typeof v === 'string' ? v : null;
  } catch {
    return null;
  }
}

/**
 * Turns what tuf-js throws into our stable codes with plain words. tuf-js wraps snapshot and
 * targets failures into a RuntimeError whose message carries the cause, so the message decides.
 */
export function translateTufError(
  e: unknown,
  fetcher: TufFetcher,
  metadataBytes: (role: string) => Buffer | undefined,
): PncError {
  if (isPncError(e)) return e as PncError;
  const text = e instanceof Error ? e.message : String(e);
  if (fetcher.lastError && text.includes(fetcher.lastError.message)) return fetcher.lastError;
  const role = ROLE_FILE.exec(text)?.[1] ?? 'metadata';
  const details = { cause: text };
  if (/expired/i.test(text)) {
    const when = expiresOf(metadataBytes(role));
    return new PncError(
      'METADATA_EXPIRED',
      `The carmaker's ${role} metadata expired${when ? ` on ${when}` : ''}.`,
      { ...details, role, expires: when },
    );
  }
  if (/signed by \d+\/\d+ keys|signature/i.test(text)) {
    return new PncError(
      'SIGNATURE_INVALID',
      `The carmaker's ${role} metadata is not signed by the expected keys (${text}).`,
      { ...details, role },
    );
  }
  if (/is less than current version|must be >=|Expected version/i.test(text)) {
    return new PncError(
      'METADATA_ROLLBACK',
      `The origin offers older ${role} metadata than the box already trusts (${text}).`,
      { ...details, role },
    );
  }
  if (/Expected hash|hash algorithm/i.test(text)) {
    return new PncError(
      'HASH_MISMATCH',
      `The ${role} metadata does not match the hash its parent signed (${text}).`,
      { ...details, role },
    );
  }
  if (/Expected length|Max length reached/i.test(text)) {
    return new PncError('LENGTH_MISMATCH', `The ${role} metadata is longer than allowed (${text}).`, {
      ...details,
      role,
    });
  }
  if (/does not match snapshot version|doesn't match timestamp|Missing .* in (new )?snapshot/i.test(text)) {
    return new PncError('METADATA_INVALID', `The carmaker's metadata is inconsistent (${text}).`, {
      ...details,
      role,
    });
  }
  return new PncError('METADATA_INVALID', `The carmaker's metadata was refused (${text}).`, details);
}
