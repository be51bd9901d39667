import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import {
  ChannelItem,
  checkFat32Tree,
  parseOrThrow,
  PncError,
  UpdatePackage,
  type ChannelName,
  type PackageFile,
} from '@pnc/shared';
import { ingestFile } from './blob-ingest.js';
import { listFolder } from './package-folder.js';
import { loadContent, loadSettings, saveContent, saveVehicles } from './settings.js';
import { importVehicles } from './vehicle-import.js';
import { ensureWorkdir } from './workdir.js';

function readJsonFile(file: string, what: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not a JSON object');
    return v as Record<string, unknown>;
  } catch (e) {
    throw new PncError(
      'VALIDATION_FAILED',
      `The ${what} file ${file} is not valid JSON (${(e as Error).message}).`,
      { path: file },
    );
  }
}

/**
 * Adds a package from a folder (laid out as on the key) and its metadata (UpdatePackage without
 * `files`). FAT32 problems are refused before any byte is copied, naming the file.
 */
export async function addPackage(
  root: string,
  opts: { folder: string; metaFile: string; replace?: boolean; now?: Date },
): Promise<UpdatePackage> {
  const w = ensureWorkdir(root);
  loadSettings(w);
  const meta = readJsonFile(opts.metaFile, 'package metadata');
  const listed = listFolder(opts.folder);
  checkFat32Tree(listed);
  const placeholder = listed.map((f) => ({ path: f.path, size: f.size, sha256: '0'.repeat(64) }));
  const releasedAt =
    typeof meta['releasedAt'] === 'string' ? meta['releasedAt'] : (opts.now ?? new Date()).toISOString();
  // Validate the metadata before the (possibly long) copy.
  parseOrThrow(UpdatePackage, { ...meta, releasedAt, files: placeholder }, 'package metadata');
  const content = loadContent(w);
  const id = meta['id'] as string;
  if (content.packages.some((p) => p.id === id) && !opts.replace) {
    throw new PncError(
      'CONFLICT',
      `Package "${id}" already exists; pass --replace to publish new content under the same id.`,
      { id },
    );
  }
  const files: PackageFile[] = [];
  for (const f of listed) {
    const { sha256, size } = await ingestFile(w, f.absolute);
    if (size !== f.size)
      throw new PncError('CONFLICT', `"${f.path}" changed while it was being copied; try again.`, {
        path: f.path,
      });
    files.push({ path: f.path, size, sha256 });
  }
  const pkg = parseOrThrow(UpdatePackage, { ...meta, releasedAt, files }, 'package metadata');
  const fresh = loadContent(w);
  saveContent(w, { ...fresh, packages: [...fresh.packages.filter((p) => p.id !== id), pkg] });
  return pkg;
}

export function removePackage(root: string, id: string): void {
  const w = ensureWorkdir(root);
  loadSettings(w);
  const content = loadContent(w);
  if (!content.packages.some((p) => p.id === id))
    throw new PncError('PACKAGE_UNKNOWN', `No package "${id}" in the publisher state.`, { id });
  // The blobs stay in repo/blobs: mirrors may still serve the previous catalog that names them.
  saveContent(w, { ...content, packages: content.packages.filter((p) => p.id !== id) });
}

export interface ChannelItemInput {
  channel: ChannelName;
  id: string;
  version: string;
  title: string;
  platform?: string;
  file: string;
  now?: Date;
}

/** Adds a diagnostic ISO or a workstation installer; one file, stored like package files. */
export async function addChannelItem(root: string, input: ChannelItemInput): Promise<ChannelItem> {
  const w = ensureWorkdir(root);
  loadSettings(w);
  const st = statSync(input.file, { throwIfNoEntry: false });
  if (!st?.isFile()) throw new PncError('NOT_FOUND', `${input.file} is not a file.`, { path: input.file });
  const name = basename(input.file);
  checkFat32Tree([{ path: name, size: st.size }]);
  const base = {
    channel: input.channel,
    id: input.id,
    version: input.version,
    title: { en: input.title },
    ...(input.platform ? { platform: input.platform } : {}),
    releasedAt: (input.now ?? new Date()).toISOString(),
  };
  parseOrThrow(
    ChannelItem,
    { ...base, file: { path: name, size: st.size, sha256: '0'.repeat(64) } },
    'channel item',
  );
  const { sha256, size } = await ingestFile(w, input.file);
  const item = parseOrThrow(ChannelItem, { ...base, file: { path: name, size, sha256 } }, 'channel item');
  const content = loadContent(w);
  saveContent(w, {
    ...content,
    channels: [...content.channels.filter((c) => !(c.channel === item.channel && c.id === item.id)), item],
  });
  return item;
}

export function removeChannelItem(root: string, channel: ChannelName, id: string): void {
  const w = ensureWorkdir(root);
  loadSettings(w);
  const content = loadContent(w);
  if (!content.channels.some((c) => c.channel === channel && c.id === id)) {
    throw new PncError('PACKAGE_UNKNOWN', `No ${channel} item "${id}" in the publisher state.`, {
      id,
      channel,
    });
  }
  saveContent(w, {
    ...content,
    channels: content.channels.filter((c) => !(c.channel === channel && c.id === id)),
  });
}

/** Replaces the vehicle registry with the records of a CSV or NDJSON file, all or nothing. */
export function importVehicleRegistry(root: string, file: string): number {
  const w = ensureWorkdir(root);
  loadSettings(w);
  const vehicles = importVehicles(file);
  saveVehicles(w, vehicles);
  return vehicles.length;
}
