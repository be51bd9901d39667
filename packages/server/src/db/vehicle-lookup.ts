import type { VehicleRecord } from '@pnc/shared';
import { toVehicleRecord, type VehicleRow } from './content.js';
import type { Db } from './database.js';
import { prepared } from './statements.js';

/** What one VIN lookup reads: the served catalog, the registry record and the versions confirmed here. */
export interface VehicleLookup {
  /** The catalog served when the record was read; null before the first synchronisation. */
  catalog: { snapshotVersion: number; catalogSha256: string } | null;
  record: VehicleRecord | null;
  confirmed: { softVersion?: string; mapVersion?: string };
}

type Row = { [K in keyof VehicleRow]: VehicleRow[K] | null } & {
  snapshot_version: number | null;
  catalog_sha256: string | null;
  confirmed_soft: string | null;
  confirmed_map: string | null;
};

/**
 * One statement, so one read transaction: the record always belongs to the catalog it is judged
 * against (a publication swaps both at once), and the request pays one round of WAL locking
 * instead of three.
 */
export function lookUpVehicle(db: Db, vin: string): VehicleLookup {
  const r = prepared(
    db,
    `SELECT c.snapshot_version, c.catalog_sha256, v.*,
            u.soft_version AS confirmed_soft, u.map_version AS confirmed_map
     FROM (SELECT ? AS vin) k
     LEFT JOIN catalogs c ON c.state = 'current'
     LEFT JOIN vehicles v ON v.vin = k.vin
     LEFT JOIN vehicle_updates u ON u.vin = k.vin`,
  ).get(vin) as Row;
  return {
    catalog:
      r.snapshot_version !== null && r.catalog_sha256 !== null
        ? { snapshotVersion: r.snapshot_version, catalogSha256: r.catalog_sha256 }
        : null,
    record: r.vin !== null ? toVehicleRecord(r as VehicleRow) : null,
    confirmed: {
      ...(r.confirmed_soft ? { softVersion: r.confirmed_soft } : {}),
      ...(r.confirmed_map ? { mapVersion: r.confirmed_map } : {}),
    },
  };
}
