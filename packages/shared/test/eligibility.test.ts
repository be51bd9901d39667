import { describe, expect, it } from 'vitest';
import { Catalog, evaluateEligibility, type UpdatePackage, type VehicleInfo } from '../src/index.js';

const sha = (n: number) => n.toString(16).padStart(64, '0');
function pkg(
  p: Partial<UpdatePackage> & Pick<UpdatePackage, 'id' | 'kind' | 'family' | 'version'>,
): UpdatePackage {
  return {
    title: { en: p.id },
    region: p.kind === 'MAP' ? 'EUROPE' : '*',
    rules: {},
    releasedAt: '2026-01-01T00:00:00Z',
    files: [{ path: `${p.id}/data.bin`, size: 1000, sha256: sha(1) }],
    ...p,
  };
}
const catalog = Catalog.parse({
  schema: 1,
  generatedAt: '2026-01-01T00:00:00Z',
  packages: [
    pkg({ id: 'RL2-SOFT-11.2', kind: 'SOFT', family: 'RLINK2', version: '11.2.0' }),
    pkg({ id: 'RL2-SOFT-11.0', kind: 'SOFT', family: 'RLINK2', version: '11.0.0' }),
    pkg({ id: 'RL2-MAP-EU', kind: 'MAP', family: 'RLINK2', version: '12.1' }),
    pkg({ id: 'RL2-MAP-AFR', kind: 'MAP', family: 'RLINK2', version: '12.1', region: 'AFRICA' }),
    pkg({
      id: 'EL-SOFT-5.4',
      kind: 'SOFT',
      family: 'EASYLINK',
      version: '5.4.0',
      campaign: { code: 'OTS-23-EL54', mandatory: true },
      rules: { fromVersions: ['5.*'], brands: ['RENAULT', 'DACIA'] },
    }),
    pkg({
      id: 'EL-SOFT-5.3',
      kind: 'SOFT',
      family: 'EASYLINK',
      version: '5.3.0',
      rules: { models: ['CLIO5'] },
    }),
    pkg({
      id: 'ORL-SOFT-2',
      kind: 'SOFT',
      family: 'OPENRLINK',
      version: '2.0',
      rules: { brands: ['ALPINE'] },
    }),
  ],
});
const base: VehicleInfo = {
  vin: 'VF1RJA00567890123',
  source: 'registry',
  brand: 'RENAULT',
  model: 'CLIO5',
  openCampaigns: [],
};

describe('evaluateEligibility', () => {
  it('offers the newest soft and the map of the right region, supersedes older ones', () => {
    const r = evaluateEligibility(
      { ...base, headUnit: 'RLINK2', softVersion: '10.9', mapVersion: '11.0', mapRegion: 'EUROPE' },
      catalog,
    );
    expect(r.eligible.map((u) => [u.packageId, u.reason])).toEqual([
      ['RL2-SOFT-11.2', 'UPDATE_AVAILABLE'],
      ['RL2-MAP-EU', 'UPDATE_AVAILABLE'],
    ]);
    const reasons = Object.fromEntries(r.notEligible.map((n) => [n.packageId, n.reason]));
    expect(reasons).toMatchObject({
      'RL2-SOFT-11.0': 'SUPERSEDED',
      'RL2-MAP-AFR': 'OTHER_MAP_REGION',
      'EL-SOFT-5.4': 'OTHER_HEAD_UNIT',
      'ORL-SOFT-2': 'OTHER_HEAD_UNIT',
    });
    expect(r.eligible[0]).toMatchObject({
      size: 1000,
      fileCount: 1,
      certainty: 'vehicle',
      installedVersion: '10.9',
    });
  });
  it('says when the vehicle is up to date', () => {
    const r = evaluateEligibility(
      { ...base, headUnit: 'RLINK2', softVersion: '11.2.0', mapVersion: '12.1', mapRegion: 'EUROPE' },
      catalog,
    );
    expect(r.eligible).toEqual([]);
    expect(r.notEligible.find((n) => n.packageId === 'RL2-SOFT-11.2')?.reason).toBe('ALREADY_UP_TO_DATE');
  });
  it('puts an open campaign first, even over a newer package, and keeps it when superseded', () => {
    const r = evaluateEligibility(
      { ...base, headUnit: 'EASYLINK', softVersion: '5.2.1', openCampaigns: ['OTS-23-EL54'] },
      catalog,
    );
    expect(r.eligible[0]).toMatchObject({
      packageId: 'EL-SOFT-5.4',
      reason: 'CAMPAIGN_OPEN',
      campaign: { mandatory: true },
    });
  });
  it('refuses a from-version the update cannot install over, and brands and models not covered', () => {
    const r = evaluateEligibility(
      { ...base, headUnit: 'EASYLINK', softVersion: '4.9', model: 'MEGANE4' },
      catalog,
    );
    const reasons = Object.fromEntries(r.notEligible.map((n) => [n.packageId, n.reason]));
    expect(reasons['EL-SOFT-5.4']).toBe('FROM_VERSION_NOT_SUPPORTED');
    expect(reasons['EL-SOFT-5.3']).toBe('MODEL_NOT_COVERED');
    const alpine = evaluateEligibility(
      { ...base, brand: 'ALPINE', headUnit: 'EASYLINK', softVersion: '5.0' },
      catalog,
    );
    expect(alpine.notEligible.find((n) => n.packageId === 'EL-SOFT-5.4')?.reason).toBe('BRAND_NOT_COVERED');
  });
  it('answers at model level for an unknown vehicle, head unit to be checked', () => {
    const r = evaluateEligibility(
      { vin: base.vin, source: 'decoded', brand: 'ALPINE', openCampaigns: [] },
      catalog,
    );
    expect(r.eligible.map((u) => u.packageId)).toContain('ORL-SOFT-2');
    expect(r.eligible.every((u) => u.certainty === 'model' && u.reason === 'MODEL_LEVEL')).toBe(true);
  });
  it('says the installed version is unknown when the registry does not have it', () => {
    const r = evaluateEligibility({ ...base, headUnit: 'RLINK2' }, catalog);
    expect(r.eligible[0]?.reason).toBe('INSTALLED_VERSION_UNKNOWN');
  });
});

describe('catalog schema', () => {
  it('refuses a package whose files collide on FAT32', () => {
    const bad = pkg({ id: 'X', kind: 'SOFT', family: 'RLINK2', version: '1' });
    bad.files = [
      { path: 'A/b.bin', size: 1, sha256: sha(1) },
      { path: 'a/B.BIN', size: 1, sha256: sha(2) },
    ];
    const r = Catalog.safeParse({ schema: 1, generatedAt: '2026-01-01T00:00:00Z', packages: [bad] });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toContain('FAT32 ignores case');
  });
  it('refuses duplicate package ids', () => {
    const p = pkg({ id: 'X', kind: 'SOFT', family: 'RLINK2', version: '1' });
    expect(
      Catalog.safeParse({ schema: 1, generatedAt: '2026-01-01T00:00:00Z', packages: [p, p] }).success,
    ).toBe(false);
  });
});
