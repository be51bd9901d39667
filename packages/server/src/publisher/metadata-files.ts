import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  Metadata,
  MetadataKind,
  type Root,
  type Snapshot,
  type Targets,
  type Timestamp,
} from '@tufjs/models';
import { PncError } from '@pnc/shared';
import { writeFileAtomic } from '../store/atomic-file.js';
import type { Workdir } from './workdir.js';

/** TUF dates are whole seconds in UTC. */
export function tufDate(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function expiryFrom(now: Date, days: number): string {
  return tufDate(new Date(now.getTime() + days * 86_400_000));
}

export function serialize(md: Metadata<Root | Targets | Snapshot | Timestamp>): Buffer {
  return Buffer.from(JSON.stringify(md.toJSON(), null, 1) + '\n');
}

/**
 * Writes a versioned metadata file. Versioned names are written once: a mirror that already
 * fetched `7.snapshot.json` must never see other bytes under that name.
 */
export function writeVersioned(w: Workdir, name: string, bytes: Buffer): void {
  const path = join(w.metadata, name);
  if (existsSync(path)) {
    throw new PncError(
      'CONFLICT',
      `${name} already exists in the repository; versioned metadata is never rewritten. Check state/publisher.json.`,
    );
  }
  writeFileAtomic(path, bytes);
}

function read(w: Workdir, name: string): unknown {
  const path = join(w.metadata, name);
  if (!existsSync(path)) throw new PncError('NOT_FOUND', `The repository has no ${name}.`);
  return JSON.parse(readFileSync(path, 'utf8'));
}

export function readRoot(w: Workdir, version: number): Metadata<Root> {
  return Metadata.fromJSON(MetadataKind.Root, read(w, `${version}.root.json`) as never);
}

export function readTargets(w: Workdir, version: number): Metadata<Targets> {
  return Metadata.fromJSON(MetadataKind.Targets, read(w, `${version}.targets.json`) as never);
}

export function readSnapshot(w: Workdir, version: number): Metadata<Snapshot> {
  return Metadata.fromJSON(MetadataKind.Snapshot, read(w, `${version}.snapshot.json`) as never);
}

export function readTimestamp(w: Workdir): Metadata<Timestamp> {
  return Metadata.fromJSON(MetadataKind.Timestamp, read(w, 'timestamp.json') as never);
}
