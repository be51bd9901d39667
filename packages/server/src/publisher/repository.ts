import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Metadata, MetaFile, Root, Snapshot, TargetFile, Targets, Timestamp } from '@tufjs/models';
import { Catalog, parseOrThrow, PncError } from '@pnc/shared';
import { writeFileAtomic } from '../store/atomic-file.js';
import { sha256Hex } from '../store/hashing.js';
import { repoBlobPath } from './blob-ingest.js';
import {
  generateKey,
  loadKeys,
  retireKey,
  ROLES,
  saveKey,
  signerFor,
  tufKey,
  type RoleName,
  type SigningKey,
} from './keys.js';
import { expiryFrom, readRoot, serialize, writeVersioned } from './metadata-files.js';
import {
  DEFAULT_EXPIRY_DAYS,
  hasSettings,
  loadContent,
  loadSettings,
  loadVehicles,
  saveSettings,
  vehiclesNdjson,
  type Settings,
} from './settings.js';
import { ensureWorkdir, type Workdir } from './workdir.js';

type JSONObject = ReturnType<Root['toJSON']>;

export const SPEC_VERSION = '1.0.31';

export interface InitOptions {
  rootKeys: number;
  rootThreshold: number;
  expiryDays?: Partial<Record<RoleName, number>>;
  now?: Date;
}

function keysOf(keys: Map<RoleName, SigningKey[]>, role: RoleName): SigningKey[] {
  const list = keys.get(role) ?? [];
  if (list.length === 0)
    throw new PncError('NOT_FOUND', `No ${role} key in the keys folder: restore it from the key backup.`);
  return list;
}

function buildRoot(
  keys: Map<RoleName, SigningKey[]>,
  version: number,
  threshold: number,
  expires: string,
): Metadata<Root> {
  const roles: Record<string, { keyids: string[]; threshold: number }> = {};
  const tufKeys: Record<string, JSONObject> = {};
  for (const role of ROLES) {
    const list = keysOf(keys, role);
    for (const k of list) tufKeys[k.keyid] = tufKey(k).toJSON();
    roles[role] = { keyids: list.map((k) => k.keyid), threshold: role === 'root' ? threshold : 1 };
  }
  // Built from JSON: @tufjs/models does not export its Role class.
  const signed = Root.fromJSON({
    _type: 'root',
    spec_version: SPEC_VERSION,
    version,
    expires,
    keys: tufKeys,
    roles,
    consistent_snapshot: true,
  });
  return new Metadata(signed);
}

/** Creates the keys (files with mode 0600) and the first root. Refuses to overwrite an existing publisher. */
export function initRepository(root: string, opts: InitOptions): Settings {
  const w = ensureWorkdir(root);
  if (hasSettings(w))
    throw new PncError('CONFLICT', `${root} already holds a publisher; use rotate-key to change keys.`);
  if (opts.rootThreshold < 1 || opts.rootThreshold > opts.rootKeys) {
    throw new PncError(
      'VALIDATION_FAILED',
      `The root threshold must be between 1 and the number of root keys (${opts.rootKeys}).`,
    );
  }
  const expiryDays = { ...DEFAULT_EXPIRY_DAYS, ...opts.expiryDays };
  const keys = new Map<RoleName, SigningKey[]>();
  for (const role of ROLES) {
    const list = Array.from({ length: role === 'root' ? opts.rootKeys : 1 }, () => generateKey(role));
    list.forEach((k) => saveKey(w.keys, k));
    keys.set(role, list);
  }
  const now = opts.now ?? new Date();
  const rootMd = buildRoot(keys, 1, opts.rootThreshold, expiryFrom(now, expiryDays.root));
  for (const k of keysOf(keys, 'root')) rootMd.sign(signerFor(k));
  writeVersioned(w, '1.root.json', serialize(rootMd));
  const settings: Settings = {
    expiryDays,
    rootThreshold: opts.rootThreshold,
    versions: { root: 1, targets: 0, snapshot: 0, timestamp: 0 },
  };
  saveSettings(w, settings);
  return settings;
}

/** Stores a target file under its consistent-snapshot name `<sha256>.<name>`. */
function writeTarget(w: Workdir, name: string, bytes: Buffer): TargetFile {
  const sha256 = sha256Hex(bytes);
  const path = join(w.targets, `${sha256}.${name}`);
  if (!existsSync(path)) writeFileAtomic(path, bytes);
  return new TargetFile({ path: name, length: bytes.length, hashes: { sha256 } });
}

function metaFileFor(version: number, bytes: Buffer): MetaFile {
  return new MetaFile({ version, length: bytes.length, hashes: { sha256: sha256Hex(bytes) } });
}

export interface PublishResult {
  targetsVersion: number;
  snapshotVersion: number;
  timestampVersion: number;
  catalogSha256: string;
  vehiclesSha256: string;
  packages: number;
  channels: number;
  vehicles: number;
  blobs: number;
  bytes: number;
}

/**
 * Publishes what the state holds: catalog.json and vehicles.ndjson targets, then targets,
 * snapshot and finally timestamp.json — the only file replaced, and last, so a mirror reading
 * during a publication sees the old tree or the new one.
 */
export function publish(
  root: string,
  opts: { now?: Date; expiryDays?: Partial<Record<RoleName, number>> } = {},
): PublishResult {
  const w = ensureWorkdir(root);
  const settings = loadSettings(w);
  const expiryDays = { ...settings.expiryDays, ...opts.expiryDays };
  const keys = loadKeys(w.keys);
  const now = opts.now ?? new Date();
  const content = loadContent(w);
  const vehicles = loadVehicles(w);

  const blobs = new Map<string, number>();
  for (const f of [...content.packages.flatMap((p) => p.files), ...content.channels.map((c) => c.file)])
    blobs.set(f.sha256, f.size);
  for (const [sha256, size] of blobs) {
    const st = statSync(repoBlobPath(w, sha256), { throwIfNoEntry: false });
    if (st?.size !== size) {
      throw new PncError(
        'NOT_FOUND',
        `Blob ${sha256} (${size} bytes) is missing from repo/blobs: add the package again.`,
        { sha256 },
      );
    }
  }
  const catalog = parseOrThrow(
    Catalog,
    { schema: 1, generatedAt: now.toISOString(), packages: content.packages, channels: content.channels },
    'catalog',
  );
  const catalogTarget = writeTarget(w, 'catalog.json', Buffer.from(JSON.stringify(catalog) + '\n'));
  const vehiclesTarget = writeTarget(w, 'vehicles.ndjson', Buffer.from(vehiclesNdjson(vehicles)));

  const v = {
    ...settings.versions,
    targets: settings.versions.targets + 1,
    snapshot: settings.versions.snapshot + 1,
    timestamp: settings.versions.timestamp + 1,
  };
  const targets = new Metadata(
    new Targets({
      version: v.targets,
      specVersion: SPEC_VERSION,
      expires: expiryFrom(now, expiryDays.targets),
      targets: { 'catalog.json': catalogTarget, 'vehicles.ndjson': vehiclesTarget },
    }),
  );
  for (const k of keysOf(keys, 'targets')) targets.sign(signerFor(k));
  const targetsBytes = serialize(targets);

  const snapshot = new Metadata(
    new Snapshot({
      version: v.snapshot,
      specVersion: SPEC_VERSION,
      expires: expiryFrom(now, expiryDays.snapshot),
      meta: { 'targets.json': metaFileFor(v.targets, targetsBytes) },
    }),
  );
  for (const k of keysOf(keys, 'snapshot')) snapshot.sign(signerFor(k));
  const snapshotBytes = serialize(snapshot);

  const timestamp = new Metadata(
    new Timestamp({
      version: v.timestamp,
      specVersion: SPEC_VERSION,
      expires: expiryFrom(now, expiryDays.timestamp),
      snapshotMeta: metaFileFor(v.snapshot, snapshotBytes),
    }),
  );
  for (const k of keysOf(keys, 'timestamp')) timestamp.sign(signerFor(k));

  writeVersioned(w, `${v.targets}.targets.json`, targetsBytes);
  writeVersioned(w, `${v.snapshot}.snapshot.json`, snapshotBytes);
  writeFileAtomic(join(w.metadata, 'timestamp.json'), serialize(timestamp));
  saveSettings(w, { ...settings, expiryDays, versions: v });

  return {
    targetsVersion: v.targets,
    snapshotVersion: v.snapshot,
    timestampVersion: v.timestamp,
    catalogSha256: catalogTarget.hashes['sha256']!,
    vehiclesSha256: vehiclesTarget.hashes['sha256']!,
    packages: catalog.packages.length,
    channels: catalog.channels.length,
    vehicles: vehicles.length,
    blobs: blobs.size,
    bytes: [...blobs.values()].reduce((a, b) => a + b, 0),
  };
}

export interface RotateResult {
  role: RoleName;
  retired: string[];
  added: string[];
  rootVersion: number;
  publish: PublishResult;
}

/**
 * Replaces the keys of a role (one key by id, or all of them): a new root version lists the new
 * keys and is signed by the old root keys and the new ones, so clients holding the old root
 * accept it; then everything is re-published with the new keys. Old keys move to keys/retired.
 */
export function rotateKey(
  root: string,
  role: RoleName,
  opts: { keyid?: string; now?: Date } = {},
): RotateResult {
  const w = ensureWorkdir(root);
  const settings = loadSettings(w);
  const keys = loadKeys(w.keys);
  const current = keysOf(keys, role);
  const replaced = opts.keyid ? current.filter((k) => k.keyid.startsWith(opts.keyid!)) : current;
  if (replaced.length === 0)
    throw new PncError('NOT_FOUND', `No active ${role} key has an id starting with ${opts.keyid}.`);
  const added = replaced.map(() => generateKey(role));
  const oldRootKeys = keysOf(keys, 'root');
  const next = new Map(keys);
  next.set(role, [...current.filter((k) => !replaced.includes(k)), ...added]);

  const now = opts.now ?? new Date();
  const version = settings.versions.root + 1;
  const rootMd = buildRoot(next, version, settings.rootThreshold, expiryFrom(now, settings.expiryDays.root));
  const signers = new Map<string, SigningKey>();
  for (const k of [...oldRootKeys, ...keysOf(next, 'root')]) signers.set(k.keyid, k);
  for (const k of signers.values()) rootMd.sign(signerFor(k));
  // Check the chain the way a client will, before anything is written.
  readRoot(w, settings.versions.root).verifyDelegate('root', rootMd);
  rootMd.verifyDelegate('root', rootMd);

  added.forEach((k) => saveKey(w.keys, k));
  writeVersioned(w, `${version}.root.json`, serialize(rootMd));
  replaced.forEach((k) => retireKey(w.keys, w.retiredKeys, k));
  saveSettings(w, { ...settings, versions: { ...settings.versions, root: version } });
  return {
    role,
    retired: replaced.map((k) => k.keyid),
    added: added.map((k) => k.keyid),
    rootVersion: version,
    publish: publish(root, { now }),
  };
}

/** Copies the current root for provisioning dealer boxes (`pnc-server sync --trusted-root`). */
export function exportRoot(root: string, file: string): number {
  const w = ensureWorkdir(root);
  const settings = loadSettings(w);
  writeFileSync(file, serialize(readRoot(w, settings.versions.root)));
  return settings.versions.root;
}
