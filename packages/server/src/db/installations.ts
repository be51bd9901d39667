import type { InstallationConfirmation, InstallationRecord } from '@pnc/shared';
import type { Db } from './database.js';
import { prepared } from './statements.js';

interface Row {
  id: string;
  vin: string;
  package_ids: string;
  outcome: 'SUCCESS' | 'FAILURE';
  failure_reason: string | null;
  note: string | null;
  key_id: string | null;
  workstation: string | null;
  technician: string;
  installed_at: string;
  received_at: string;
  body_hash: string;
  sent_at?: string | null;
}

function toRecord(r: Row): InstallationRecord {
  return {
    id: r.id,
    vin: r.vin,
    packageIds: JSON.parse(r.package_ids) as string[],
    outcome: r.outcome,
    ...(r.failure_reason ? { failureReason: r.failure_reason as InstallationRecord['failureReason'] } : {}),
    ...(r.note ? { note: r.note } : {}),
    ...(r.key_id ? { keyId: r.key_id } : {}),
    ...(r.workstation ? { workstation: r.workstation } : {}),
    installedAt: r.installed_at,
    technician: r.technician,
    receivedAt: r.received_at,
    uploaded: Boolean(r.sent_at),
  };
}

export function findInstallation(
  db: Db,
  id: string,
): { record: InstallationRecord; bodyHash: string } | null {
  const r = db
    .prepare(
      'SELECT i.*, o.sent_at FROM installations i LEFT JOIN outbox o ON o.installation_id = i.id WHERE i.id = ?',
    )
    .get(id) as Row | undefined;
  return r ? { record: toRecord(r), bodyHash: r.body_hash } : null;
}

/** Stores a confirmation, queues it for the carmaker and records installed versions — one transaction. */
export function insertInstallation(
  db: Db,
  c: InstallationConfirmation,
  extra: {
    technician: string;
    receivedAt: string;
    bodyHash: string;
    installed: { softVersion?: string; mapVersion?: string };
  },
): void {
  db.transaction(() => {
    db.prepare(
      `INSERT INTO installations (id, vin, package_ids, outcome, failure_reason, note, key_id, workstation, technician, installed_at, received_at, body_hash)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      c.id,
      c.vin,
      JSON.stringify(c.packageIds),
      c.outcome,
      c.failureReason ?? null,
      c.note ?? null,
      c.keyId ?? null,
      c.workstation ?? null,
      extra.technician,
      c.installedAt,
      extra.receivedAt,
      extra.bodyHash,
    );
    db.prepare('INSERT INTO outbox (installation_id, next_attempt_at) VALUES (?, ?)').run(
      c.id,
      extra.receivedAt,
    );
    const { softVersion, mapVersion } = extra.installed;
    if (softVersion || mapVersion) {
      db.prepare(
        `INSERT INTO vehicle_updates (vin, soft_version, map_version, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (vin) DO UPDATE SET soft_version = coalesce(excluded.soft_version, soft_version),
           map_version = coalesce(excluded.map_version, map_version), updated_at = excluded.updated_at`,
      ).run(c.vin, softVersion ?? null, mapVersion ?? null, extra.receivedAt);
    }
  })();
}

export function queryInstallations(
  db: Db,
  q: {
    vin?: string | undefined;
    outcome?: string | undefined;
    from?: string | undefined;
    to?: string | undefined;
    limit: number;
  },
): InstallationRecord[] {
  const filters = [
    ['i.vin = ?', q.vin],
    ['i.outcome = ?', q.outcome],
    ['i.installed_at >= ?', q.from],
    ['i.installed_at <= ?', q.to],
  ].filter(([, v]) => v !== undefined && v !== '');
  const where = filters.map(([sql]) => sql);
  const args = filters.map(([, v]) => v);
  const sql = `SELECT i.*, o.sent_at FROM installations i LEFT JOIN outbox o ON o.installation_id = i.id
    ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY i.installed_at DESC LIMIT ?`;
  return (db.prepare(sql).all(...args, q.limit) as Row[]).map(toRecord);
}

/** Installed versions confirmed here, laid over the signed registry. */
export function confirmedVersions(db: Db, vin: string): { softVersion?: string; mapVersion?: string } {
  const r = prepared(db, 'SELECT soft_version, map_version FROM vehicle_updates WHERE vin = ?').get(vin) as
    { soft_version: string | null; map_version: string | null } | undefined;
  return {
    ...(r?.soft_version ? { softVersion: r.soft_version } : {}),
    ...(r?.map_version ? { mapVersion: r.map_version } : {}),
  };
}

export interface OutboxItem {
  record: InstallationRecord;
  attempts: number;
}

export function duePending(db: Db, now: string, limit: number): OutboxItem[] {
  const rows = db
    .prepare(
      `SELECT i.*, o.sent_at, o.attempts FROM outbox o JOIN installations i ON i.id = o.installation_id
       WHERE o.sent_at IS NULL AND o.next_attempt_at <= ? ORDER BY i.received_at LIMIT ?`,
    )
    .all(now, limit) as Array<Row & { attempts: number }>;
  return rows.map((r) => ({ record: toRecord(r), attempts: r.attempts }));
}

export function markSent(db: Db, ids: string[], now: string): void {
  const stmt = db.prepare('UPDATE outbox SET sent_at = ?, last_error = NULL WHERE installation_id = ?');
  db.transaction(() => ids.forEach((id) => stmt.run(now, id)))();
}

export function markFailed(
  db: Db,
  ids: string[],
  error: string,
  nextAttemptAt: (attempts: number) => string,
): void {
  const get = db.prepare('SELECT attempts FROM outbox WHERE installation_id = ?');
  const upd = db.prepare(
    'UPDATE outbox SET attempts = ?, last_error = ?, next_attempt_at = ? WHERE installation_id = ?',
  );
  db.transaction(() => {
    for (const id of ids) {
      const attempts = ((get.get(id) as { attempts: number }).attempts ?? 0) + 1;
      upd.run(attempts, error, nextAttemptAt(attempts), id);
    }
  })();
}

export function outboxBacklog(db: Db): {
  pending: number;
  oldest: string | null;
  lastError: string | null;
  sent: number;
} {
  const p = db
    .prepare(
      `SELECT count(*) AS pending, min(i.received_at) AS oldest, max(o.last_error) AS lastError
       FROM outbox o JOIN installations i ON i.id = o.installation_id WHERE o.sent_at IS NULL`,
    )
    .get() as { pending: number; oldest: string | null; lastError: string | null };
  const s = db.prepare('SELECT count(*) AS sent FROM outbox WHERE sent_at IS NOT NULL').get() as {
    sent: number;
  };
  return { ...p, sent: s.sent };
}
