import { PncError } from '@pnc/shared';

/** Plain-words translation of tuf-js failures; the class name tells what went wrong. */
export function tufErrorToPnc(e: unknown, where: string): PncError {
  if (e instanceof PncError) return e;
  const err = e as Error & { statusCode?: number };
  const name = err?.constructor?.name ?? '';
  const msg = err?.message ?? String(e);
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
