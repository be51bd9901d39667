import { checkFat32Tree, FAT32_MAX_DIR_ENTRIES, PncError, splitKeyPath } from '@pnc/shared';
import { ROOT_CLUSTER } from './boot-records.js';
import {
  ATTR_ARCHIVE,
  ATTR_DIRECTORY,
  ATTR_VOLUME_ID,
  DIR_ENTRY_BYTES,
  entrySlots,
  type DirEntrySpec,
} from './directory.js';
import { FatTable } from './fat-table.js';
import { computeGeometry, describeBytes, SECTOR_BYTES, type Geometry } from './geometry.js';
import { assignShortNames, type ShortName } from './short-names.js';

export interface Fat32FileSpec {
  /** Key-relative, '/'-separated. */
  path: string;
  size: number;
  mtime?: Date;
}

export interface Fat32PlanOptions {
  /** Whole device/image size; MBR + one partition starting at 1 MiB. */
  volumeBytes: number;
  files: Fat32FileSpec[];
  /** Volume label, default 'PNC_KEY' (11 characters max, upper-cased, FAT-legal). */
  label?: string;
  /** Default: derived from `now`. */
  volumeId?: number;
  /** Timestamp of folders and of files without mtime. */
  now?: Date;
}

export interface PlannedFile {
  path: string;
  size: number;
  /** 0 for an empty file, which owns no cluster. */
  firstCluster: number;
  clusterCount: number;
  /** Absolute byte offset on the device (0 for an empty file). */
  offset: number;
}

export interface Fat32Plan {
  volumeBytes: number;
  partitionOffset: number;
  partitionBytes: number;
  clusterBytes: number;
  reservedSectors: number;
  fatSectors: number;
  /** Absolute, 1 MiB aligned. */
  dataOffset: number;
  clusterCount: number;
  freeClusters: number;
  /** In write order: the order in which file bytes are pulled from the source. */
  files: PlannedFile[];
  /** Bytes of the MBR/reserved/FAT/directory regions the writer lays down before the files. */
  metadataBytes: number;
  /** Sum of file sizes. */
  dataBytes: number;
}

/** What the writer needs beyond the public plan; kept out of it so the plan stays plain data. */
export interface Fat32Layout {
  geometry: Geometry;
  label: string;
  volumeId: number;
  fat: FatTable;
  /** In cluster order, root first; each occupies contiguous clusters. */
  directories: Array<{ firstCluster: number; clusterCount: number; entries: DirEntrySpec[] }>;
}

const layouts = new WeakMap<Fat32Plan, Fat32Layout>();

/** The layout behind a plan; only plans made by planFat32Volume (not copies) have one. */
export function layoutOf(plan: Fat32Plan): Fat32Layout {
  const layout = layouts.get(plan);
  if (!layout) {
    throw new PncError(
      'INTERNAL',
      'This FAT32 plan was not made by planFat32Volume (a copy cannot be written).',
    );
  }
  return layout;
}

interface DirNode {
  kind: 'dir';
  name: string;
  path: string;
  parent: DirNode | null;
  children: TreeNode[];
  subdirs: Map<string, DirNode>;
  shortNames: ShortName[];
  firstCluster: number;
  clusterCount: number;
}
interface FileNode {
  kind: 'file';
  name: string;
  planned: PlannedFile;
  mtime: Date | undefined;
}
type TreeNode = DirNode | FileNode;

const LABEL_CHARS = /^[A-Z0-9$%'\-_@~`!(){}^#& ]+$/;

function normalizeLabel(label: string): string {
  const upper = label.toUpperCase().trimEnd();
  if (upper.length === 0 || upper.length > 11 || upper.startsWith(' ') || !LABEL_CHARS.test(upper)) {
    throw new PncError(
      'FAT32_INVALID_NAME',
      `The volume label "${label}" cannot be used: 1 to 11 characters among A–Z, 0–9, space and $%'-_@~\`!(){}^#&.`,
      { label },
    );
  }
  return upper;
}

function newDir(name: string, parent: DirNode | null): DirNode {
  const path = parent === null || parent.path === '' ? name : `${parent.path}/${name}`;
  return {
    kind: 'dir',
    name,
    path,
    parent,
    children: [],
    subdirs: new Map(),
    shortNames: [],
    firstCluster: 0,
    clusterCount: 0,
  };
}

function buildTree(files: readonly Fat32FileSpec[]): { root: DirNode; planned: PlannedFile[] } {
  const root = newDir('', null);
  const planned: PlannedFile[] = [];
  for (const f of files) {
    const parts = splitKeyPath(f.path);
    if (f.mtime && Number.isNaN(f.mtime.getTime())) {
      throw new PncError('VALIDATION_FAILED', `"${f.path}" has an invalid modification time.`, {
        path: f.path,
      });
    }
    let dir = root;
    for (const part of parts.slice(0, -1)) {
      let sub = dir.subdirs.get(part);
      if (!sub) {
        sub = newDir(part, dir);
        dir.subdirs.set(part, sub);
        dir.children.push(sub);
      }
      dir = sub;
    }
    const p: PlannedFile = { path: f.path, size: f.size, firstCluster: 0, clusterCount: 0, offset: 0 };
    planned.push(p);
    dir.children.push({ kind: 'file', name: parts[parts.length - 1] as string, planned: p, mtime: f.mtime });
  }
  return { root, planned };
}

function directoriesInOrder(root: DirNode): DirNode[] {
  const out: DirNode[] = [];
  const visit = (d: DirNode) => {
    out.push(d);
    for (const c of d.children) if (c.kind === 'dir') visit(c);
  };
  visit(root);
  return out;
}

/**
 * Plans a fresh FAT32 key: geometry, short names, directory sizes and where every file goes.
 * Folders come first in the data region, then each file in contiguous clusters in the given
 * order, so the writer can lay everything down in one sequential pass.
 */
export function planFat32Volume(opts: Fat32PlanOptions): Fat32Plan {
  const geometry = computeGeometry(opts.volumeBytes);
  const label = normalizeLabel(opts.label ?? 'PNC_KEY');
  const now = opts.now ?? new Date();
  checkFat32Tree(opts.files);
  const { root, planned } = buildTree(opts.files);
  const clusterBytes = geometry.sectorsPerCluster * SECTOR_BYTES;
  const dataOffset =
    geometry.partitionOffset + (geometry.reservedSectors + 2 * geometry.fatSectors) * SECTOR_BYTES;

  // Directories: named, sized (LFN slots included) and refused past FAT32's 65,536 entries, then placed.
  const dirs = directoriesInOrder(root);
  let nextCluster = ROOT_CLUSTER;
  const chainEnds: number[] = [];
  for (const d of dirs) {
    d.shortNames = assignShortNames(d.children.map((c) => c.name));
    // The root holds the volume label entry; other folders hold "." and "..".
    const slots = d.shortNames.reduce(
      (n, sn, i) => n + entrySlots(sn.needsLfn ? d.children[i]!.name : null),
      d.parent ? 2 : 1,
    );
    if (slots > FAT32_MAX_DIR_ENTRIES) {
      const where = d.parent ? `The folder "${d.path}"` : "The key's root folder";
      throw new PncError(
        'FAT32_DIRECTORY_FULL',
        `${where} would need ${slots} directory entries (long names take several); FAT32 allows ${FAT32_MAX_DIR_ENTRIES}. Spread its files over subfolders.`,
        { path: d.path, entries: slots, max: FAT32_MAX_DIR_ENTRIES },
      );
    }
    d.firstCluster = nextCluster;
    d.clusterCount = Math.max(1, Math.ceil((slots * DIR_ENTRY_BYTES) / clusterBytes));
    nextCluster += d.clusterCount;
    chainEnds.push(nextCluster - 1);
  }
  const directoryClusters = nextCluster - ROOT_CLUSTER;
  for (const p of planned) {
    if (p.size === 0) continue;
    p.firstCluster = nextCluster;
    p.clusterCount = Math.ceil(p.size / clusterBytes);
    p.offset = dataOffset + (p.firstCluster - ROOT_CLUSTER) * clusterBytes;
    nextCluster += p.clusterCount;
    chainEnds.push(nextCluster - 1);
  }

  const usedClusters = nextCluster - ROOT_CLUSTER;
  if (usedClusters > geometry.clusterCount) {
    const needed = usedClusters * clusterBytes;
    const available = geometry.clusterCount * clusterBytes;
    throw new PncError(
      'FAT32_VOLUME_TOO_SMALL',
      `The files need ${describeBytes(needed)} on the key but it holds ${describeBytes(available)}: ${needed - available} bytes are missing. Use a bigger key or fewer updates.`,
      { neededBytes: needed, availableBytes: available, missingBytes: needed - available },
    );
  }

  const directories = dirs.map((d) => ({
    firstCluster: d.firstCluster,
    clusterCount: d.clusterCount,
    entries: directoryEntries(d, label, now),
  }));
  const freeClusters = geometry.clusterCount - usedClusters;
  const plan: Fat32Plan = {
    volumeBytes: opts.volumeBytes,
    partitionOffset: geometry.partitionOffset,
    partitionBytes: geometry.partitionSectors * SECTOR_BYTES,
    clusterBytes,
    reservedSectors: geometry.reservedSectors,
    fatSectors: geometry.fatSectors,
    dataOffset,
    clusterCount: geometry.clusterCount,
    freeClusters,
    files: planned,
    metadataBytes: dataOffset + directoryClusters * clusterBytes,
    dataBytes: planned.reduce((n, p) => n + p.size, 0),
  };
  layouts.set(plan, {
    geometry,
    label,
    // A volume serial that differs from key to key, as formatters derive it from the clock.
    volumeId: opts.volumeId ?? Math.floor(now.getTime() / 10) >>> 0,
    fat: new FatTable(chainEnds, nextCluster),
    directories,
  });
  return plan;
}

function directoryEntries(d: DirNode, label: string, now: Date): DirEntrySpec[] {
  const entries: DirEntrySpec[] = [];
  const dirEntry = (shortName: string, firstCluster: number): DirEntrySpec => ({
    shortName,
    longName: null,
    attr: ATTR_DIRECTORY,
    firstCluster,
    size: 0,
    time: now,
  });
  const parent = d.parent;
  if (parent === null) {
    entries.push({
      shortName: label.padEnd(11, ' '),
      longName: null,
      attr: ATTR_VOLUME_ID,
      firstCluster: 0,
      size: 0,
      time: now,
    });
  } else {
    // ".." of a folder in the root points to cluster 0, not to the root's cluster.
    entries.push(
      dirEntry('.'.padEnd(11, ' '), d.firstCluster),
      dirEntry('..'.padEnd(11, ' '), parent.path === '' ? 0 : parent.firstCluster),
    );
  }
  d.children.forEach((c, i) => {
    const sn = d.shortNames[i]!;
    const longName = sn.needsLfn ? c.name : null;
    entries.push(
      c.kind === 'dir'
        ? { ...dirEntry(sn.name, c.firstCluster), longName }
        : {
            shortName: sn.name,
            longName,
            attr: ATTR_ARCHIVE,
            firstCluster: c.planned.firstCluster,
            size: c.planned.size,
            time: c.mtime ?? now,
          },
    );
  });
  return entries;
}
