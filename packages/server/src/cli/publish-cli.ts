#!/usr/bin/env node
// pnc-publish: the carmaker-side publisher. Writes a signed TUF repository under <workdir>/repo
// that any static HTTP server (a bucket) serves to dealer boxes.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ChannelName } from '@pnc/shared';
import {
  addChannelItem,
  addPackage,
  importVehicleRegistry,
  removeChannelItem,
  removePackage,
} from '../publisher/content-ops.js';
import { buildDemo } from '../publisher/demo.js';
import { isRoleName, ROLES, type RoleName } from '../publisher/keys.js';
import { exportRoot, initRepository, publish, rotateKey } from '../publisher/repository.js';
import { publisherStatus } from '../publisher/status.js';
import { EXIT, parseNumber, parseSize, reportError, UsageError } from './cli-support.js';

const HELP = `pnc-publish — publish signed Soft/Map packages for Plug'nConnect dealer boxes

Usage: pnc-publish <command> --workdir DIR [options]

Commands:
  init            create keys (keys/, mode 0600) and the first root
                  [--root-keys N (1)] [--root-threshold N (1)] [--expiry-<role> DAYS]
  add-package     --from FOLDER --meta PACKAGE.json [--replace]
                  add a package from a folder laid out as on the USB key; PACKAGE.json is the
                  package metadata (id, kind, family, version, title, region, rules, campaign…)
  remove-package  --id ID
  add-channel     --channel diagnostic-iso|desktop-installer --id ID --version V --title TEXT
                  --file FILE [--platform P]
  remove-channel  --channel C --id ID
  vehicles        --file REGISTRY.csv|REGISTRY.ndjson   replace the vehicle registry
  publish         sign and write a new version [--expiry-<role> DAYS]
  rotate-key      --role root|targets|snapshot|timestamp [--keyid PREFIX]; then publishes
  export-root     --out FILE   the current root, to provision dealer boxes
  status          versions, keys and what expires when
  demo            [--size 24MiB] [--seed N]   demo packages, vehicles and a publication

Options:
  --workdir DIR   publisher folder (repo/ is what the origin serves; keys/ and state/ stay here)
  --json          machine-readable output
  --help          this text

Expiry defaults (days): root 365, targets 90, snapshot 7, timestamp 7.
Exit codes: 0 done, 1 refused (message names the problem), 2 usage error, 70 internal error.
`;

const OPTIONS = {
  workdir: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', default: false },
  'root-keys': { type: 'string' },
  'root-threshold': { type: 'string' },
  'expiry-root': { type: 'string' },
  'expiry-targets': { type: 'string' },
  'expiry-snapshot': { type: 'string' },
  'expiry-timestamp': { type: 'string' },
  from: { type: 'string' },
  meta: { type: 'string' },
  replace: { type: 'boolean', default: false },
  id: { type: 'string' },
  channel: { type: 'string' },
  version: { type: 'string' },
  title: { type: 'string' },
  file: { type: 'string' },
  platform: { type: 'string' },
  role: { type: 'string' },
  keyid: { type: 'string' },
  out: { type: 'string' },
  size: { type: 'string' },
  seed: { type: 'string' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

function need(values: Values, name: keyof Values): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} is required for this command.`);
  return v;
}

function expiryFlags(values: Values): Partial<Record<RoleName, number>> {
  const out: Partial<Record<RoleName, number>> = {};
  for (const role of ROLES) {
    const v = values[`expiry-${role}`];
    if (v !== undefined) out[role] = parseNumber(v, `--expiry-${role}`, 0.001);
  }
  return out;
}

function channelOf(values: Values): ChannelName {
  const c = ChannelName.safeParse(need(values, 'channel'));
  if (!c.success) throw new UsageError(`--channel must be one of ${ChannelName.options.join(', ')}.`);
  return c.data;
}

function formatLeft(seconds: number): string {
  if (seconds <= 0) return 'EXPIRED';
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3600);
  return d > 0 ? `in ${d} d ${h} h` : `in ${h} h ${Math.floor((seconds % 3600) / 60)} min`;
}

async function run(command: string, values: Values): Promise<{ text: string; json: unknown }> {
  const workdir = resolve(need(values, 'workdir'));
  switch (command) {
    case 'init': {
      const rootKeys = parseNumber(values['root-keys'] ?? '1', '--root-keys', 1);
      const s = initRepository(workdir, {
        rootKeys,
        rootThreshold: parseNumber(values['root-threshold'] ?? '1', '--root-threshold', 1),
        expiryDays: expiryFlags(values),
      });
      return {
        text: `Publisher ready in ${workdir}: ${rootKeys} root key(s), threshold ${s.rootThreshold}. Keys are in ${workdir}/keys (back them up offline).`,
        json: s,
      };
    }
    case 'add-package': {
      const p = await addPackage(workdir, {
        folder: resolve(need(values, 'from')),
        metaFile: resolve(need(values, 'meta')),
        replace: values.replace,
      });
      const bytes = p.files.reduce((n, f) => n + f.size, 0);
      return {
        text: `Added ${p.id} (${p.files.length} files, ${bytes} bytes). Run "publish" to make it available.`,
        json: p,
      };
    }
    case 'remove-package':
      removePackage(workdir, need(values, 'id'));
      return {
        text: `Removed ${values.id}. Run "publish" to make the removal visible.`,
        json: { removed: values.id },
      };
    case 'add-channel': {
      const item = await addChannelItem(workdir, {
        channel: channelOf(values),
        id: need(values, 'id'),
        version: need(values, 'version'),
        title: need(values, 'title'),
        file: resolve(need(values, 'file')),
        ...(values.platform ? { platform: values.platform } : {}),
      });
      return {
        text: `Added ${item.channel} ${item.id} ${item.version} (${item.file.size} bytes).`,
        json: item,
      };
    }
    case 'remove-channel':
      removeChannelItem(workdir, channelOf(values), need(values, 'id'));
      return { text: `Removed ${values.channel} ${values.id}.`, json: { removed: values.id } };
    case 'vehicles': {
      const n = importVehicleRegistry(workdir, resolve(need(values, 'file')));
      return { text: `Imported ${n} vehicles. Run "publish" to make them available.`, json: { vehicles: n } };
    }
    case 'publish': {
      const r = publish(workdir, { expiryDays: expiryFlags(values) });
      return {
        text: `Published snapshot ${r.snapshotVersion}: ${r.packages} packages, ${r.channels} channel items, ${r.vehicles} vehicles, ${r.blobs} blobs (${r.bytes} bytes).`,
        json: r,
      };
    }
    case 'rotate-key': {
      const role = need(values, 'role');
      if (!isRoleName(role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}.`);
      const r = rotateKey(workdir, role, values.keyid ? { keyid: values.keyid } : {});
      return {
        text: `Rotated ${role}: root version ${r.rootVersion}, new key(s) ${r.added.map((k) => k.slice(0, 16)).join(', ')}; old key(s) moved to keys/retired. Published snapshot ${r.publish.snapshotVersion}.`,
        json: r,
      };
    }
    case 'export-root': {
      const out = resolve(need(values, 'out'));
      const v = exportRoot(workdir, out);
      return { text: `Wrote root version ${v} to ${out}.`, json: { rootVersion: v, file: out } };
    }
    case 'status': {
      const s = publisherStatus(workdir);
      const lines = s.roles.map(
        (r) =>
          `  ${r.role.padEnd(10)} v${String(r.version).padEnd(5)} expires ${r.expires} (${formatLeft(r.secondsLeft)})`,
      );
      lines.push(
        `  content: ${s.packages} packages, ${s.channelItems} channel items, ${s.vehicles} vehicles`,
      );
      for (const w of s.warnings) lines.push(`  warning: ${w}`);
      return { text: lines.join('\n'), json: s };
    }
    case 'demo': {
      const r = await buildDemo(workdir, {
        ...(values.size ? { size: parseSize(values.size, '--size') } : {}),
        ...(values.seed ? { seed: parseNumber(values.seed, '--seed', 0) } : {}),
      });
      return {
        text: `Demo published: snapshot ${r.publish.snapshotVersion}, ${r.publish.packages} packages, ${r.publish.blobs} blobs (${r.publish.bytes} bytes). VINs: ${r.vinsFile}`,
        json: r,
      };
    }
    default:
      throw new UsageError(`unknown command "${command}".`);
  }
}

async function main(argv: string[]): Promise<number> {
  let values: Values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      options: OPTIONS,
      allowPositionals: true,
      strict: true,
    }));
  } catch (e) {
    return reportError(new UsageError((e as Error).message), argv.includes('--json'), 'pnc-publish');
  }
  if (values.help || positionals.length === 0) {
    process.stdout.write(HELP);
    return positionals.length === 0 && !values.help ? EXIT.usage : EXIT.ok;
  }
  if (positionals.length > 1)
    return reportError(
      new UsageError(`unexpected argument "${positionals[1]}".`),
      values.json,
      'pnc-publish',
    );
  try {
    const r = await run(positionals[0]!, values);
    process.stdout.write(values.json ? JSON.stringify(r.json) + '\n' : r.text + '\n');
    return EXIT.ok;
  } catch (e) {
    return reportError(e, values.json, 'pnc-publish');
  }
}

process.exitCode = await main(process.argv.slice(2));
