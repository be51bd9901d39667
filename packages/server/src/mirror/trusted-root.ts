import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Metadata, MetadataKind, type Root } from '@tufjs/models';
import { PncError } from '@pnc/shared';
import { dataDirLayout, ensureDataDir } from '../config/data-dir.js';
import { writeFileAtomic } from '../store/atomic-file.js';
import type { OriginHttp } from './origin-http.js';

export function parseRoot(bytes: Buffer, what: string): Metadata<Root> {
  try {
    const md = Metadata.fromJSON(MetadataKind.Root, JSON.parse(bytes.toString('utf8')) as never);
    md.verifyDelegate('root', md);
    return md;
  } catch (e) {
    throw new PncError('METADATA_INVALID', `${what} is not a valid carmaker root (${(e as Error).message}).`);
  }
}

/**
 * Installs the carmaker root the box trusts (first start or first sync). An existing different
 * root is never replaced silently: the trust anchor changes only by deleting it on purpose.
 */
export function provisionTrustedRoot(dataDir: string, file: string): void {
  const layout = ensureDataDir(dataDir);
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    throw new PncError('NOT_FOUND', `The trusted root ${file} cannot be read.`);
  }
  parseRoot(bytes, file);
  if (existsSync(layout.trustedRoot)) {
    if (readFileSync(layout.trustedRoot).equals(bytes)) return;
    throw new PncError(
      'CONFLICT',
      `The box already trusts another carmaker root (${layout.trustedRoot}); delete that file on purpose to provision a new one.`,
    );
  }
  writeFileAtomic(layout.trustedRoot, bytes);
}

/** Makes sure tuf-js finds a readable root in tuf/, falling back to the provisioned one. */
export function prepareTufDir(dataDir: string): void {
  const layout = dataDirLayout(dataDir);
  if (!existsSync(layout.trustedRoot)) {
    throw new PncError(
      'NOT_FOUND',
      'The box has no trusted carmaker root: provision it once with --trusted-root FILE.',
    );
  }
  const local = join(layout.tuf, 'root.json');
  try {
    parseRoot(readFileSync(local), local);
  } catch {
    // tuf-js writes its files in place; a stop mid-write must not brick the box.
    copyFileSync(layout.trustedRoot, local);
  }
}

/**
 * Every root from the provisioned one to `current`, verified link by link, so workstations that
 * ship an older root can walk the chain from the box. Uses copies already served or fetched.
 */
export async function rootChain(
  dataDir: string,
  currentRoot: Buffer,
  known: ReadonlyMap<number, Buffer>,
  fetchRoot: (version: number) => Promise<Buffer>,
): Promise<Map<number, Buffer>> {
  const layout = dataDirLayout(dataDir);
  const anchorBytes = readFileSync(layout.trustedRoot);
  let prev = parseRoot(anchorBytes, 'the provisioned root');
  const current = parseRoot(currentRoot, 'the current root');
  const chain = new Map<number, Buffer>([[prev.signed.version, anchorBytes]]);
  for (let v = prev.signed.version + 1; v <= current.signed.version; v++) {
    const servedCopy = join(layout.served, `${v}.root.json`);
    const bytes =
      v === current.signed.version
        ? currentRoot
        : (known.get(v) ?? (existsSync(servedCopy) ? readFileSync(servedCopy) : await fetchRoot(v)));
    const md = parseRoot(bytes, `${v}.root.json`);
    try {
      prev.verifyDelegate('root', md);
    } catch (e) {
      throw new PncError(
        'SIGNATURE_INVALID',
        `${v}.root.json is not signed by the previous root (${(e as Error).message}).`,
      );
    }
    if (md.signed.version !== v)
      throw new PncError('METADATA_INVALID', `${v}.root.json holds version ${md.signed.version}.`);
    chain.set(v, bytes);
    prev = md;
  }
  return chain;
}

export async function fetchRootBytes(http: OriginHttp, origin: string, version: number): Promise<Buffer> {
  const res = await http.get(`${origin}/metadata/${version}.root.json`);
  if (res.statusCode !== 200) {
    await res.body.dump();
    throw new PncError(
      'DOWNLOAD_FAILED',
      `The origin answered HTTP ${res.statusCode} for ${version}.root.json.`,
    );
  }
  return Buffer.from(await res.body.arrayBuffer());
}
