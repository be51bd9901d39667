import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { countVehicles, endVehicleStaging, findVehicle, publishCatalog } from '../../src/db/content.js';
import { openDatabase } from '../../src/db/database.js';
import { stageVehicles } from '../../src/mirror/vehicle-registry.js';
import { tempDir } from '../helpers/mirror-fixtures.js';

const vehicle = (vin: string, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ vin, brand: 'RENAULT', model: 'CLIO5', headUnit: 'EASYLINK', ...extra });
const VIN_A = 'VF1RJA00067123456';
const VIN_B = 'VF1RJA00067123457';

function publication(snapshotVersion: number) {
  return {
    rootVersion: 1,
    snapshotVersion,
    targetsVersion: snapshotVersion,
    timestampVersion: snapshotVersion,
    catalogSha256: String(snapshotVersion).repeat(64).slice(0, 64),
    vehiclesSha256: null,
    generatedAt: '2026-01-01T00:00:00Z',
    expiresAt: '2027-01-01T00:00:00Z',
    packageCount: 0,
    blobs: [],
    now: '2026-01-01T00:00:00Z',
  };
}

describe('vehicle registry staging', () => {
  const tmp = tempDir('vehicles');
  const db = openDatabase(join(tmp.path, 'pnc.sqlite'));
  const file = (name: string, text: string): string => {
    const path = join(tmp.path, name);
    writeFileSync(path, text);
    return path;
  };
  afterAll(() => {
    db.close();
    tmp.cleanup();
  });

  it('streams the file into the registry only when the catalog is published', async () => {
    // No trailing newline, a blank line and CRLF: all accepted, as before.
    const path = file('ok.ndjson', `${vehicle(VIN_A, { openCampaigns: ['OTS-23-EL54'] })}\r\n\n${vehicle(VIN_B)}`);
    expect(await stageVehicles(db, path)).toBe(2);
    expect(countVehicles(db)).toBe(0);
    publishCatalog(db, publication(1));
    endVehicleStaging(db);
    expect(countVehicles(db)).toBe(2);
    expect(findVehicle(db, VIN_A)?.openCampaigns).toEqual(['OTS-23-EL54']);

    // The next publication replaces the registry; a catalog without one empties it.
    await stageVehicles(db, file('one.ndjson', `${vehicle(VIN_B)}\n`));
    publishCatalog(db, publication(2));
    expect(findVehicle(db, VIN_A)).toBeNull();
    expect(countVehicles(db)).toBe(1);
    await stageVehicles(db, null);
    publishCatalog(db, publication(3));
    expect(countVehicles(db)).toBe(0);
  });

  it('names the line of a bad record, a non-JSON line and a duplicate VIN', async () => {
    await expect(stageVehicles(db, file('bad.ndjson', `${vehicle(VIN_A)}\n\n${vehicle('SHORT')}\n`))).rejects.toMatchObject({
      code: 'METADATA_INVALID',
      message: expect.stringMatching(/invalid on line 3/),
    });
    await expect(stageVehicles(db, file('json.ndjson', `${vehicle(VIN_A)}\n{oops\n`))).rejects.toMatchObject({
      message: expect.stringMatching(/line 2 \(not JSON\)/),
    });
    await expect(stageVehicles(db, file('dup.ndjson', `${vehicle(VIN_A)}\n${vehicle(VIN_B)}\n${vehicle(VIN_A)}\n`))).rejects.toMatchObject({
      message: expect.stringMatching(/line 3 \(VIN VF1RJA00067123456 appears twice\)/),
    });
  });

  it('stages registries larger than one batch and one read', async () => {
    const n = 12_345;
    const vin = (i: number): string => `VF1RJA${String(i).padStart(11, '0')}`;
    const path = file('big.ndjson', Array.from({ length: n }, (_, i) => vehicle(vin(i), { model: 'M'.repeat(32) })).join('\n'));
    expect(await stageVehicles(db, path)).toBe(n);
    publishCatalog(db, publication(4));
    expect(countVehicles(db)).toBe(n);
    expect(findVehicle(db, vin(n - 1))?.vin).toBe(vin(n - 1));
  });
});
