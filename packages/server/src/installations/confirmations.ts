import { createHash } from 'node:crypto';
import { PncError, type Catalog, type InstallationAck, type InstallationConfirmation } from '@pnc/shared';
import type { Db } from '../db/database.js';
import { findInstallation, insertInstallation } from '../db/installations.js';

/** Canonical hash of what the client sent: keys sorted, so the same body always hashes the same. */
function bodyHash(c: InstallationConfirmation): string {
  const sorted = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sorted)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.entries(v)
              .sort(([a], [b]) => a.localeCompare(b))
              .map(([k, x]) => [k, sorted(x)]),
          )
        : v;
  return createHash('sha256')
    .update(JSON.stringify(sorted(c)))
    .digest('hex');
}

/** Versions a successful installation leaves on the vehicle, from the packages it installed. */
function installedVersions(
  c: InstallationConfirmation,
  catalog: Catalog | null,
): { softVersion?: string; mapVersion?: string } {
  if (c.outcome !== 'SUCCESS' || !catalog) return {};
  const out: { softVersion?: string; mapVersion?: string } = {};
  for (const id of c.packageIds) {
    const p = catalog.packages.find((x) => x.id === id);
    if (p?.kind === 'SOFT') out.softVersion = p.version;
    if (p?.kind === 'MAP') out.mapVersion = p.version;
  }
  return out;
}

/**
 * Records a confirmation. Idempotent by the client's id: the same body answers the same ack,
 * a different body for the same id is a 409. Returns only after the SQLite commit (synchronous
 * FULL), so an acknowledged confirmation survives a power cut.
 */
export function recordConfirmation(
  db: Db,
  c: InstallationConfirmation,
  technician: string,
  catalog: Catalog | null,
  now: () => Date = () => new Date(),
): { ack: InstallationAck; created: boolean } {
  const hash = bodyHash(c);
  const existing = findInstallation(db, c.id);
  if (existing) {
    if (existing.bodyHash !== hash) {
      throw new PncError(
        'CONFLICT',
        `Confirmation ${c.id} was already recorded with different content (outcome ${existing.record.outcome}).`,
        {
          id: c.id,
          recordedOutcome: existing.record.outcome,
        },
      );
    }
    return { ack: { id: c.id, receivedAt: existing.record.receivedAt, duplicate: true }, created: false };
  }
  const receivedAt = now().toISOString();
  try {
    insertInstallation(db, c, {
      technician,
      receivedAt,
      bodyHash: hash,
      installed: installedVersions(c, catalog),
    });
  } catch (e) {
    // Two identical posts racing: the loser answers like a retry.
    if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY')
      return recordConfirmation(db, c, technician, catalog, now);
    throw e;
  }
  return { ack: { id: c.id, receivedAt, duplicate: false }, created: true };
}
