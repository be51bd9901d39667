import { loadKeys, ROLES, type RoleName } from './keys.js';
import { readRoot, readSnapshot, readTargets, readTimestamp } from './metadata-files.js';
import { loadContent, loadSettings, loadVehicles } from './settings.js';
import { workdirLayout } from './workdir.js';

export interface RoleStatus {
  role: RoleName;
  version: number;
  expires: string;
  secondsLeft: number;
  keyIds: string[];
  threshold: number;
}

export interface PublisherStatus {
  roles: RoleStatus[];
  packages: number;
  channelItems: number;
  vehicles: number;
  /** Roles already expired or expiring within a day: publish (or rotate) now. */
  warnings: string[];
}

/** What expires when, and what the next publication would contain. */
export function publisherStatus(root: string, now = new Date()): PublisherStatus {
  const w = workdirLayout(root);
  const settings = loadSettings(w);
  const rootMd = readRoot(w, settings.versions.root);
  const expiries: Record<RoleName, { version: number; expires: string } | null> = {
    root: { version: rootMd.signed.version, expires: rootMd.signed.expires },
    targets: settings.versions.targets ? pick(readTargets(w, settings.versions.targets).signed) : null,
    snapshot: settings.versions.snapshot ? pick(readSnapshot(w, settings.versions.snapshot).signed) : null,
    timestamp: settings.versions.timestamp ? pick(readTimestamp(w).signed) : null,
  };
  const activeKeys = loadKeys(w.keys);
  const roles: RoleStatus[] = [];
  const warnings: string[] = [];
  for (const role of ROLES) {
    const e = expiries[role];
    const r = rootMd.signed.roles[role];
    if (!e) {
      warnings.push(`${role} has never been published: run "pnc-publish publish".`);
      continue;
    }
    const secondsLeft = Math.floor((Date.parse(e.expires) - now.getTime()) / 1000);
    roles.push({
      role,
      version: e.version,
      expires: e.expires,
      secondsLeft,
      keyIds: r?.keyIDs ?? [],
      threshold: r?.threshold ?? 1,
    });
    if (secondsLeft <= 0)
      warnings.push(`${role} expired on ${e.expires}: mirrors refuse the repository until you publish.`);
    else if (secondsLeft < 86_400)
      warnings.push(`${role} expires within a day (${e.expires}): publish soon.`);
    const missing = (r?.keyIDs ?? []).filter(
      (id) => !(activeKeys.get(role) ?? []).some((k) => k.keyid === id),
    );
    if (missing.length)
      warnings.push(
        `the ${role} key(s) ${missing.map((id) => id.slice(0, 16)).join(', ')} are not in keys/: signing will fail.`,
      );
  }
  const content = loadContent(w);
  return {
    roles,
    packages: content.packages.length,
    channelItems: content.channels.length,
    vehicles: loadVehicles(w).length,
    warnings,
  };
}

function pick(s: { version: number; expires: string }): { version: number; expires: string } {
  return { version: s.version, expires: s.expires };
}
