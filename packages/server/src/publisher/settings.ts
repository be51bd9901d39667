import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ChannelItem, PncError, UpdatePackage, VehicleRecord, parseOrThrow } from '@pnc/shared';
import { writeFileAtomic } from '../store/atomic-file.js';
import { ROLES, type RoleName } from './keys.js';
import type { Workdir } from './workdir.js';

/** Days each role's metadata stays valid. Timestamp and snapshot outlive several nightly cycles. */
export const DEFAULT_EXPIRY_DAYS: Record<RoleName, number> = {
  root: 365,
  targets: 90,
  snapshot: 7,
  timestamp: 7,
};

export interface Settings {
  expiryDays: Record<RoleName, number>;
  rootThreshold: number;
  versions: Record<RoleName, number>;
}

function checkSettings(v: unknown): Settings {
  const s = v as Partial<Settings>;
  const ok =
    typeof s === 'object' &&
    s !== null &&
    Number.isInteger(s.rootThreshold) &&
    ROLES.every((r) => (s.expiryDays?.[r] ?? 0) > 0 && Number.isInteger(s.versions?.[r]));
  if (!ok)
    throw new PncError(
      'VALIDATION_FAILED',
      'state/publisher.json is damaged: restore it from the backup of the publisher folder.',
    );
  return s as Settings;
}

function settingsFile(w: Workdir): string {
  return join(w.state, 'publisher.json');
}

export function hasSettings(w: Workdir): boolean {
  return existsSync(settingsFile(w));
}

export function loadSettings(w: Workdir): Settings {
  if (!hasSettings(w)) {
    throw new PncError(
      'NOT_FOUND',
      `${w.root} is not a publisher folder yet: run "pnc-publish init --workdir ${w.root}" first.`,
    );
  }
  return checkSettings(JSON.parse(readFileSync(settingsFile(w), 'utf8')));
}

export function saveSettings(w: Workdir, s: Settings): void {
  writeFileAtomic(settingsFile(w), JSON.stringify(s, null, 2) + '\n');
}

/** What the next publication will contain: packages and channel items, kept by the publisher. */
export interface ContentState {
  packages: UpdatePackage[];
  channels: ChannelItem[];
}

function contentFile(w: Workdir): string {
  return join(w.state, 'content.json');
}

export function loadContent(w: Workdir): ContentState {
  if (!existsSync(contentFile(w))) return { packages: [], channels: [] };
  const raw = JSON.parse(readFileSync(contentFile(w), 'utf8')) as {
    packages?: unknown[];
    channels?: unknown[];
  };
  return {
    packages: (raw.packages ?? []).map((p) =>
      parseOrThrow(UpdatePackage, p, 'package in state/content.json'),
    ),
    channels: (raw.channels ?? []).map((c) =>
      parseOrThrow(ChannelItem, c, 'channel item in state/content.json'),
    ),
  };
}

export function saveContent(w: Workdir, c: ContentState): void {
  writeFileAtomic(contentFile(w), JSON.stringify(c, null, 2) + '\n');
}

function vehiclesFile(w: Workdir): string {
  return join(w.state, 'vehicles.ndjson');
}

export function loadVehicles(w: Workdir): VehicleRecord[] {
  if (!existsSync(vehiclesFile(w))) return [];
  return readFileSync(vehiclesFile(w), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => VehicleRecord.parse(JSON.parse(l)));
}

export function saveVehicles(w: Workdir, vehicles: readonly VehicleRecord[]): void {
  writeFileAtomic(vehiclesFile(w), vehiclesNdjson(vehicles));
}

/** The registry as published: one record a line, sorted by VIN so equal registries hash equal. */
export function vehiclesNdjson(vehicles: readonly VehicleRecord[]): string {
  return [...vehicles]
    .sort((a, b) => (a.vin < b.vin ? -1 : a.vin > b.vin ? 1 : 0))
    .map((v) => JSON.stringify(v) + '\n')
    .join('');
}
