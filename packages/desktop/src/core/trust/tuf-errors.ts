import { PncError } from '@pnc/shared';

/**
 * tuf-js wraps what goes wrong with snapshot and targets into a RuntimeError whose message keeps
 * only the cause's text ("Unable to load snapshot metadata error Error: New version 1 of
 * targets.json is less than current version 2"): the class is lost, so the text decides.
 * Without this a rolled-back or mixed-and-matched targets read as a generic METADATA_INVALID.
 */
function wrappedClass(msg: string): string | null {
  if (!/^Unable to load (snapshot metadata|targets) error /.test(msg)) return null;
  if (/DownloadHTTPError|: (403|404)\b/.test(msg)) return 'DownloadHTTPError';
  if (/Max length reached/.test(msg)) return 'DownloadLengthMismatchError';
  if (/is expired/.test(msg)) return 'ExpiredMetadataError';
  if (/signed by \d+\/\d+ keys|signature/i.test(msg)) return 'UnsignedMetadataError';
  if (/is less than current version|does not match snapshot version|doesn't match timestamp/.test(msg)) return 'BadVersionError';
  if (/Expected (hash|length)/.test(msg)) return 'LengthOrHashMismatchError';
  return null;
}

/** Plain-words translation of tuf-js failures; the class name tells what went wrong. */
export function tufErrorToPnc(e: unknown, where: string): PncError {
  if (e instanceof PncError) return e;
  const err = e as Error & { statusCode?: number };
  const msg = err?.message ?? String(e);
  const name = wrappedClass(msg) ?? err?.constructor?.name ?? '';
  switch (name) {
    case 'ExpiredMetadataError':
      return new PncError(
        'METADATA_EXPIRED',
        `The content signed by the carmaker has expired on ${where} (${msg}). The server must synchronise, or this computer's clock is wrong.`,
      );
    case 'BadVersionError':
    case 'EqualVersionError':
      return new PncError(
        'METADATA_ROLLBACK',
        `${where} offers older content than this workstation has already seen (${msg}): refused as a possible rollback.`,
      );
    case 'UnsignedMetadataError':
      return new PncError(
        'SIGNATURE_INVALID',
        `The content on ${where} is not signed by the carmaker's keys (${msg}).`,
      );
    case 'LengthOrHashMismatchError':
      return new PncError(
        'HASH_MISMATCH',
        `A file on ${where} does not match what the carmaker signed (${msg}).`,
      );
    case 'DownloadLengthMismatchError':
      return new PncError('LENGTH_MISMATCH', `A file on ${where} is longer than allowed (${msg}).`);
    case 'DownloadHTTPError':
      return new PncError(
        err.statusCode === 404 ? 'NO_CONTENT_YET' : 'DOWNLOAD_FAILED',
        `${where} answered ${err.statusCode ?? '?'} for signed metadata.`,
      );
    default:
      if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ECONNRESET|socket hang up/.test(msg)) {
        return new PncError('SERVER_UNREACHABLE', `Cannot reach ${where} (${msg}).`);
      }
      return new PncError(
        'METADATA_INVALID',
        `The signed metadata from ${where} is not valid (${name || 'error'}: ${msg}).`,
      );
  }
}
