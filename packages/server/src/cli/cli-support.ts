import { isPncError } from '@pnc/shared';

/** Exit codes shared by the CLIs: scripts branch on them. */
export const EXIT = { ok: 0, failed: 1, usage: 2, internal: 70 } as const;

export class UsageError extends Error {}

/** Parses `64MiB`, `24M`, `1.5GiB` or a plain byte count. */
export function parseSize(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(|b|k|kb|kib|m|mb|mib|g|gb|gib)$/i.exec(text.trim());
  if (!m) throw new UsageError(`${flag}: "${text}" is not a size (examples: 64MiB, 2GiB, 1048576).`);
  const unit = m[2]!.toLowerCase();
  const mult = unit.startsWith('g')
    ? 1024 ** 3
    : unit.startsWith('m')
      ? 1024 ** 2
      : unit.startsWith('k')
        ? 1024
        : 1;
  return Math.round(Number(m[1]) * mult);
}

export function parseNumber(text: string, flag: string, min: number): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n < min) throw new UsageError(`${flag}: "${text}" must be a number ≥ ${min}.`);
  return n;
}

/** Prints an error the way users see it (code + plain message, no stack) and returns the exit code. */
export function reportError(e: unknown, json: boolean, program: string): number {
  if (e instanceof UsageError) {
    if (json) process.stdout.write(JSON.stringify({ code: 'VALIDATION_FAILED', message: e.message }) + '\n');
    else process.stderr.write(`${program}: ${e.message}\nRun "${program} --help" for usage.\n`);
    return EXIT.usage;
  }
  if (isPncError(e)) {
    if (json) process.stdout.write(JSON.stringify(e.toJSON()) + '\n');
    else process.stderr.write(`${program}: ${e.message} [${e.code}]\n`);
    return EXIT.failed;
  }
  const err = e as NodeJS.ErrnoException;
  const message = err.code ? `${err.message}` : `unexpected error: ${String(err?.message ?? e)}`;
  if (json) process.stdout.write(JSON.stringify({ code: 'INTERNAL', message }) + '\n');
  else process.stderr.write(`${program}: ${message} [INTERNAL]\n`);
  return EXIT.internal;
}
