// Forges TUF metadata the way an attacker holding (or not holding) some of the carmaker's keys
// would: plain JSON + canonical-JSON ed25519 signatures from node:crypto, independent of the
// publisher's code so a bug there cannot hide a bug here. (The desktop's reliability tests use it too.)
import { createHash, createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export interface Signed {
  _type: string;
  version: number;
  expires: string;
  [k: string]: Json;
}
export interface Md {
  signed: Signed;
  signatures: Array<{ keyid: string; sig: string }>;
}
export interface ForgeKey {
  role: string;
  keyid: string;
  privateKey: KeyObject;
}

/** OLPC canonical JSON, as TUF signs it: sorted keys, no spaces, only `"` and `\` escaped. */
export function canonical(v: Json): string {
  if (v === null || typeof v === 'boolean' || typeof v === 'number') return JSON.stringify(v);
  if (typeof v === 'string') return `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  return `{${Object.keys(v)
    .sort()
    .map((k) => `${canonical(k)}:${canonical(v[k]!)}`)
    .join(',')}}`;
}

export const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

/** The publisher's keys (active and retired) by role. */
export function loadForgeKeys(workdir: string): ForgeKey[] {
  const out: ForgeKey[] = [];
  for (const dir of [join(workdir, 'keys'), join(workdir, 'keys', 'retired')]) {
    let names: string[] = [];
    try {
      names = readdirSync(dir).filter((n) => n.endsWith('.json'));
    } catch {
      continue;
    }
    for (const n of names) {
      const f = JSON.parse(readFileSync(join(dir, n), 'utf8')) as { role: string; keyid: string; private: string };
      out.push({ role: f.role, keyid: f.keyid, privateKey: createPrivateKey(f.private) });
    }
  }
  return out;
}

export function keysFor(keys: ForgeKey[], role: string): ForgeKey[] {
  return keys.filter((k) => k.role === role);
}

export function signMd(signed: Signed, keys: ForgeKey[]): Md {
  const bytes = Buffer.from(canonical(signed as Json));
  return { signed, signatures: keys.map((k) => ({ keyid: k.keyid, sig: sign(null, bytes, k.privateKey).toString('hex') })) };
}

export function mdBytes(md: Md): Buffer {
  return Buffer.from(JSON.stringify(md, null, 1) + '\n');
}

export function readMd(repo: string, name: string): Md {
  return JSON.parse(readFileSync(join(repo, 'metadata', name), 'utf8')) as Md;
}

export function writeMd(repo: string, name: string, md: Md): Buffer {
  const b = mdBytes(md);
  writeFileSync(join(repo, 'metadata', name), b);
  return b;
}

export function metaFile(version: number, bytes: Buffer): { version: number; length: number; hashes: { sha256: string } } {
  return { version, length: bytes.length, hashes: { sha256: sha256(bytes) } };
}

export const tufDate = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
export const inDays = (days: number, from = new Date()): string => tufDate(new Date(from.getTime() + days * 86_400_000));

export interface ReleaseOptions {
  /** The catalog bytes to sign as catalog.json (default: the current one). */
  catalog?: Buffer;
  vehicles?: Buffer;
  /** Versions; default: current + 1. */
  targetsVersion?: number;
  snapshotVersion?: number;
  timestampVersion?: number;
  /** Which targets version the snapshot lists (mix-and-match, rollback). */
  snapshotListsTargets?: { version: number; bytes: Buffer };
  /** Which snapshot the timestamp points to. */
  timestampPointsTo?: { version: number; bytes: Buffer };
  expires?: string;
}

/**
 * Signs a release into `repo` with the workdir's keys, as the publisher would, but with whatever
 * versions and content the attack needs. Returns the versions written.
 */
export function forgeRelease(workdir: string, repo: string, o: ReleaseOptions = {}): { targets: number; snapshot: number; timestamp: number } {
  const keys = loadForgeKeys(workdir);
  const ts = readMd(repo, 'timestamp.json');
  const curSnap = (ts.signed['meta'] as { 'snapshot.json': { version: number } })['snapshot.json'].version;
  const snap = readMd(repo, `${curSnap}.snapshot.json`);
  const curTargets = (snap.signed['meta'] as { 'targets.json': { version: number } })['targets.json'].version;
  const targets = readMd(repo, `${curTargets}.targets.json`);
  const expires = o.expires ?? inDays(7);
  const tv = o.targetsVersion ?? curTargets + 1;
  const sv = o.snapshotVersion ?? curSnap + 1;
  const tsv = o.timestampVersion ?? ts.signed.version + 1;

  const tmap = JSON.parse(JSON.stringify(targets.signed['targets'])) as Record<string, { length: number; hashes: { sha256: string } }>;
  const put = (name: string, bytes: Buffer | undefined): void => {
    if (!bytes) return;
    const h = sha256(bytes);
    writeFileSync(join(repo, 'targets', `${h}.${name}`), bytes);
    tmap[name] = { length: bytes.length, hashes: { sha256: h } };
  };
  put('catalog.json', o.catalog);
  put('vehicles.ndjson', o.vehicles);
  let targetsRef = o.snapshotListsTargets;
  if (!targetsRef) {
    const t = signMd({ ...targets.signed, version: tv, expires: inDays(90), targets: tmap as unknown as Json }, keysFor(keys, 'targets'));
    targetsRef = { version: tv, bytes: writeMd(repo, `${tv}.targets.json`, t) };
  }
  let snapRef = o.timestampPointsTo;
  if (!snapRef) {
    const s = signMd({ ...snap.signed, version: sv, expires, meta: { 'targets.json': metaFile(targetsRef.version, targetsRef.bytes) } }, keysFor(keys, 'snapshot'));
    snapRef = { version: sv, bytes: writeMd(repo, `${sv}.snapshot.json`, s) };
  }
  const t2 = signMd({ ...ts.signed, version: tsv, expires, meta: { 'snapshot.json': metaFile(snapRef.version, snapRef.bytes) } }, keysFor(keys, 'timestamp'));
  writeMd(repo, 'timestamp.json', t2);
  return { targets: targetsRef.version, snapshot: snapRef.version, timestamp: tsv };
}

/** The catalog currently signed in `repo`, parsed. */
export function currentCatalog(repo: string): { bytes: Buffer; json: { packages: Array<Record<string, Json>> } & Record<string, Json> } {
  const ts = readMd(repo, 'timestamp.json');
  const sv = (ts.signed['meta'] as { 'snapshot.json': { version: number } })['snapshot.json'].version;
  const snap = readMd(repo, `${sv}.snapshot.json`);
  const tv = (snap.signed['meta'] as { 'targets.json': { version: number } })['targets.json'].version;
  const t = readMd(repo, `${tv}.targets.json`);
  const h = (t.signed['targets'] as Record<string, { hashes: { sha256: string } }>)['catalog.json']!.hashes.sha256;
  const bytes = readFileSync(join(repo, 'targets', `${h}.catalog.json`));
  return { bytes, json: JSON.parse(bytes.toString('utf8')) as { packages: Array<Record<string, Json>> } & Record<string, Json> };
}
