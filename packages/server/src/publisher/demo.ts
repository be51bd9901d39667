import { createCipheriv, createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ChannelName, HeadUnitFamily, UpdateKind } from '@pnc/shared';
import { writeFileAtomic } from '../store/atomic-file.js';
import { IO_CHUNK } from '../store/hashing.js';
import { addChannelItem, addPackage, importVehicleRegistry } from './content-ops.js';
import { initRepository, publish, type PublishResult } from './repository.js';
import { hasSettings } from './settings.js';
import { workdirLayout } from './workdir.js';

export const DEFAULT_DEMO_SIZE = 24 * 1024 * 1024;

/** Deterministic bytes from a seed and a name: AES-CTR keystream, fast and reproducible. */
function writeDeterministic(path: string, size: number, seed: number, name: string): void {
  const key = createHash('sha256').update(`pnc-demo:${seed}:${name}`).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  const zeros = Buffer.alloc(Math.min(IO_CHUNK, Math.max(size, 1)));
  mkdirSync(dirname(path), { recursive: true });
  const fd = openSync(path, 'w');
  try {
    for (let left = size; left > 0;) {
      const n = Math.min(left, zeros.length);
      writeSync(fd, cipher.update(zeros.subarray(0, n)));
      left -= n;
    }
  } finally {
    closeSync(fd);
  }
}

interface DemoFile {
  path: string;
  /** Share of the demo size; 0 for small fixed files. */
  weight: number;
  /** Content key: files with the same key have the same bytes (shared between packages). */
  content: string;
}

interface DemoPackage {
  id: string;
  kind: UpdateKind;
  family: HeadUnitFamily;
  version: string;
  region: string;
  title: string;
  releasedAt: string;
  campaign?: { code: string; mandatory: boolean };
  rules?: Record<string, unknown>;
  files: DemoFile[];
}

function parts(
  prefix: string,
  count: number,
  weight: number,
  content: string,
  name: (i: number) => string,
): DemoFile[] {
  return Array.from({ length: count }, (_, i) => ({
    path: `${prefix}/${name(i + 1)}`,
    weight,
    content: `${content}-${i + 1}`,
  }));
}

const pad = (i: number): string => String(i).padStart(2, '0');

const PACKAGES: DemoPackage[] = [
  {
    id: 'RLINK2-SOFT-11.1.0',
    kind: 'SOFT',
    family: 'RLINK2',
    version: '11.1.0',
    region: '*',
    title: 'R-LINK 2 software 11.1.0',
    releasedAt: '2025-03-01T08:00:00Z',
    files: [
      { path: 'RLINK2/upgrade.lst', weight: 0, content: 'rl2-lst-11.1' },
      ...parts(
        'RLINK2/Système/Mise à jour logicielle',
        4,
        3,
        'rl2-111-sys',
        (i) => `Partie système ${pad(i)} – image signée.bin`,
      ),
      ...parts(
        'RLINK2/Ressources/Polices de caractères',
        3,
        1,
        'rl2-fonts',
        (i) => `Police multimédia ${pad(i)}.ttf`,
      ),
    ],
  },
  {
    id: 'RLINK2-SOFT-11.2.0',
    kind: 'SOFT',
    family: 'RLINK2',
    version: '11.2.0',
    region: '*',
    title: 'R-LINK 2 software 11.2.0',
    releasedAt: '2025-09-15T08:00:00Z',
    files: [
      { path: 'RLINK2/upgrade.lst', weight: 0, content: 'rl2-lst-11.2' },
      ...parts(
        'RLINK2/Système/Mise à jour logicielle',
        4,
        3,
        'rl2-112-sys',
        (i) => `Partie système ${pad(i)} – image signée.bin`,
      ),
      // Unchanged since 11.1.0: stored once, referenced by both packages.
      ...parts(
        'RLINK2/Ressources/Polices de caractères',
        3,
        1,
        'rl2-fonts',
        (i) => `Police multimédia ${pad(i)}.ttf`,
      ),
      {
        path: 'RLINK2/Notes de version/Lisez-moi – R-LINK 2 version 11.2.0.txt',
        weight: 0,
        content: 'rl2-notes-11.2',
      },
    ],
  },
  {
    id: 'RLINK2-MAP-EUROPE-11.2.1',
    kind: 'MAP',
    family: 'RLINK2',
    version: '11.2.1',
    region: 'EUROPE',
    title: 'R-LINK 2 map Europe 11.2.1',
    releasedAt: '2025-10-01T08:00:00Z',
    files: [
      { path: 'RLINK2/MAP/map.lst', weight: 0, content: 'rl2-map-lst' },
      ...parts(
        'RLINK2/MAP/Cartographie Europe occidentale',
        6,
        4,
        'rl2-map-eu',
        (i) => `Région cartographique ${pad(i)} (Europe de l'Ouest).dat`,
      ),
      ...parts("RLINK2/MAP/Points d'intérêt", 3, 1, 'rl2-poi', (i) => `Catégorie d'intérêt ${pad(i)}.poi`),
    ],
  },
  {
    id: 'EASYLINK-SOFT-5.4.0',
    kind: 'SOFT',
    family: 'EASYLINK',
    version: '5.4.0',
    region: '*',
    title: 'EASY LINK software 5.4.0',
    releasedAt: '2025-11-04T08:00:00Z',
    campaign: { code: 'OTS-23-EL54', mandatory: true },
    rules: { brands: ['RENAULT', 'DACIA'] },
    files: [
      { path: 'EASYLINK/update.json', weight: 0, content: 'el-update-5.4' },
      ...parts(
        'EASYLINK/Paquets système',
        5,
        2,
        'el-54-sys',
        (i) => `Paquet système EASY LINK ${pad(i)} – version 5.4.0.pkg`,
      ),
      ...parts(
        'EASYLINK/Langues et voix',
        4,
        1,
        'el-voices',
        (i) => `Voix de guidage ${['français', 'español', 'italiano', 'deutsch'][i - 1]}.vox`,
      ),
    ],
  },
  {
    id: 'EASYLINK-MAP-EUROPE-10.45.0',
    kind: 'MAP',
    family: 'EASYLINK',
    version: '10.45.0',
    region: 'EUROPE',
    title: 'EASY LINK map Europe 10.45.0',
    releasedAt: '2025-10-20T08:00:00Z',
    files: [
      { path: 'EASYLINK/MAP/manifest.xml', weight: 0, content: 'el-map-manifest' },
      ...parts(
        'EASYLINK/MAP/Données cartographiques',
        6,
        4,
        'el-map-eu',
        (i) => `Tuile cartographique Europe ${pad(i)}.nds`,
      ),
      // The same voices as the software package: deduplicated in the store.
      ...parts(
        'EASYLINK/Langues et voix',
        4,
        1,
        'el-voices',
        (i) => `Voix de guidage ${['français', 'español', 'italiano', 'deutsch'][i - 1]}.vox`,
      ),
    ],
  },
];

const CHANNEL_ITEMS: Array<{
  channel: ChannelName;
  id: string;
  version: string;
  title: string;
  platform?: string;
  file: string;
  weight: number;
}> = [
  {
    channel: 'diagnostic-iso',
    id: 'DIAG-CLIP',
    version: '232.0',
    title: 'Diagnostic tool ISO 232',
    file: 'DIAG-CLIP-232.iso',
    weight: 3,
  },
  {
    channel: 'desktop-installer',
    id: 'PNC-WORKSTATION',
    version: '0.1.0',
    title: "Plug'nConnect workstation 0.1.0",
    platform: 'win-x64',
    file: 'PlugnConnect-Setup-0.1.0.exe',
    weight: 1,
  },
];

/** Vehicles covering each state a technician meets. */
export const DEMO_VEHICLES: Array<{ vin: string; description: string; csv: string }> = [
  {
    vin: 'VF1RJA00067123456',
    description: 'Renault Clio 5, R-LINK 2 up to date (soft 11.2.0, map 11.2.1)',
    csv: 'RENAULT,CLIO5,2023,RLINK2,11.2.0,11.2.1,EUROPE,',
  },
  {
    vin: 'VF1RFB00X68234567',
    description: 'Renault Captur 2, R-LINK 2 needs the soft 11.2.0 (has 11.0.3)',
    csv: 'RENAULT,CAPTUR2,2022,RLINK2,11.0.3,11.2.1,EUROPE,',
  },
  {
    vin: 'VF1RJA00469345678',
    description: 'Renault Clio 5, R-LINK 2 needs the Europe map 11.2.1 (has 11.1.0)',
    csv: 'RENAULT,CLIO5,2024,RLINK2,11.2.0,11.1.0,EUROPE,',
  },
  {
    vin: 'UU1DJF00869456789',
    description: 'Dacia Sandero 3, EASY LINK with the open campaign OTS-23-EL54 (soft 5.2.1)',
    csv: 'DACIA,SANDERO3,2023,EASYLINK,5.2.1,10.45.0,EUROPE,OTS-23-EL54',
  },
  {
    vin: 'UU1HJD00167567890',
    description: 'Dacia Duster 2, EASY LINK needs soft and map (5.3.0 / 10.40.0)',
    csv: 'DACIA,DUSTER2,2022,EASYLINK,5.3.0,10.40.0,EUROPE,',
  },
  {
    vin: 'VF1BJA00X71678901',
    description: 'Renault Megane E-Tech, OpenR Link: no package for its head unit',
    csv: 'RENAULT,MEGANE5,2024,OPENRLINK,3.1.0,,EUROPE,',
  },
  {
    vin: 'VFAAFG00X66789012',
    description: 'Alpine A110, R-LINK 2 with unknown installed versions',
    csv: 'ALPINE,A110,2022,RLINK2,,,EUROPE,',
  },
  {
    vin: 'VF1AAA00070890123',
    description: 'Renault Zoe, R-LINK 2 on 11.1.0 with a map for another region',
    csv: 'RENAULT,ZOE,2023,RLINK2,11.1.0,11.2.1,EUROPE_EAST,',
  },
  {
    vin: 'UU1BSA00565901234',
    description: 'Dacia Jogger, EASY LINK up to date (5.4.0 / 10.45.0)',
    csv: 'DACIA,JOGGER,2025,EASYLINK,5.4.0,10.45.0,EUROPE,',
  },
  {
    vin: 'VF1RHN00868012345',
    description: 'Renault Arkana, R-LINK 2 needs soft and map (11.0.3 / 11.1.0)',
    csv: 'RENAULT,ARKANA,2023,RLINK2,11.0.3,11.1.0,EUROPE,',
  },
];

const SMALL_FILE = 2048;

export interface DemoResult {
  publish: PublishResult;
  vinsFile: string;
}

/**
 * Builds demo content of about `size` bytes (deterministic from `seed`), adds it through the
 * same commands a carmaker uses, and publishes. Runs `init` first when the folder has no keys.
 */
export async function buildDemo(
  root: string,
  opts: { size?: number; seed?: number; now?: Date } = {},
): Promise<DemoResult> {
  const size = opts.size ?? DEFAULT_DEMO_SIZE;
  const seed = opts.seed ?? 1;
  const w = workdirLayout(root);
  if (!hasSettings(w))
    initRepository(root, { rootKeys: 1, rootThreshold: 1, ...(opts.now ? { now: opts.now } : {}) });
  const src = join(root, 'demo-src');
  rmSync(src, { recursive: true, force: true });

  // Unique contents share the size by weight.
  const weights = new Map<string, number>();
  for (const p of PACKAGES) for (const f of p.files) weights.set(f.content, f.weight);
  for (const c of CHANNEL_ITEMS) weights.set(c.id, c.weight);
  const smallCount = [...weights.values()].filter((x) => x === 0).length;
  const totalWeight = [...weights.values()].reduce((a, b) => a + b, 0);
  const unit = Math.max(0, size - smallCount * SMALL_FILE) / totalWeight;
  const sizeOf = (content: string): number => {
    const weight = weights.get(content) ?? 0;
    return weight === 0 ? SMALL_FILE : Math.max(1, Math.floor(unit * weight));
  };

  for (const p of PACKAGES) {
    const folder = join(src, p.id);
    for (const f of p.files) writeDeterministic(join(folder, f.path), sizeOf(f.content), seed, f.content);
    const meta = {
      id: p.id,
      kind: p.kind,
      family: p.family,
      version: p.version,
      region: p.region,
      title: { en: p.title },
      notes: { en: `Demo content for ${p.title}.` },
      releasedAt: p.releasedAt,
      ...(p.campaign ? { campaign: p.campaign } : {}),
      ...(p.rules ? { rules: p.rules } : {}),
    };
    const metaFile = join(src, `${p.id}.package.json`);
    writeFileSync(metaFile, JSON.stringify(meta, null, 2));
    await addPackage(root, { folder, metaFile, replace: true });
  }
  for (const c of CHANNEL_ITEMS) {
    const file = join(src, 'channels', c.file);
    writeDeterministic(file, sizeOf(c.id), seed, c.id);
    await addChannelItem(root, {
      channel: c.channel,
      id: c.id,
      version: c.version,
      title: c.title,
      file,
      ...(c.platform ? { platform: c.platform } : {}),
    });
  }
  const csv = join(src, 'vehicles.csv');
  writeFileSync(
    csv,
    [
      'vin,brand,model,modelYear,headUnit,softVersion,mapVersion,mapRegion,openCampaigns',
      ...DEMO_VEHICLES.map((v) => `${v.vin},${v.csv}`),
    ].join('\n') + '\n',
  );
  importVehicleRegistry(root, csv);

  const result = publish(root, opts.now ? { now: opts.now } : {});
  const vinsFile = join(root, 'demo-vins.json');
  writeFileAtomic(
    vinsFile,
    JSON.stringify(
      DEMO_VEHICLES.map(({ vin, description }) => ({ vin, description })),
      null,
      2,
    ) + '\n',
  );
  rmSync(src, { recursive: true, force: true });
  return { publish: result, vinsFile };
}
