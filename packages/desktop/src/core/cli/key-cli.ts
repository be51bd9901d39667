#!/usr/bin/env node
import { hostname } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  evaluateEligibility,
  isPncError,
  parseVin,
  PncError,
  type ErrorCode,
  type KeyTarget,
} from '@pnc/shared';
import { trustedRootFile, workstationHome } from '../config/paths.js';
import { createDriveAccess, ejectDrive, listDrives } from '../drives/index.js';
import { readKey } from '../keys/read-key.js';
import { createBlobCache } from '../download/blob-cache.js';
import { downloadBlob } from '../download/blob-download.js';
import { writeKeys } from '../keys/write-key.js';
import { writeMountedKey } from '../keys/write-mounted-key.js';
import { etaSeconds, RateMeter } from '../progress/rate-meter.js';
import { ServerClient } from '../server/server-client.js';
import { fetchVerifiedCatalog, trustedVehicle } from '../trust/verified-catalog.js';
import { formatBytes, parseSize } from '../util/size.js';
import { APP } from '../version.js';
import { createSessionStore } from '../service/session-store.js';
import { createProgressPrinter } from './progress-printer.js';

const HELP = `pnc-key — write and check Plug'nConnect update keys

Usage:
  pnc-key login --server URL --user NAME        (password from PNC_PASSWORD or standard input)
  pnc-key check <VIN> --server URL [--json]
  pnc-key drives [--json]                      keys the app may write, and why others are refused
  pnc-key write --server URL --vin VIN --package ID [--package ID…]
                (--device DEV | --image FILE --size SIZE)… | --mount DIR) [--yes] [--label NAME]
                [--cache [--cache-size 20GiB]] [--json]
  pnc-key verify (--device DEV | --image FILE) [--json]   what a key holds, and whether it is intact
  pnc-key eject DEV                                 unmount and power off a key safely

Options:
  --server URL        the dealer's Plug'nConnect server (e.g. http://plugnconnect:8080)
  --trusted-root FILE the carmaker's root.json (default: the one shipped with the app, or PNC_TRUSTED_ROOT)
  --device DEV        a whole removable drive (erased; needs --yes); system drives are always refused
  --image FILE        a FAT32 disk image of --size bytes (e.g. 8GiB), for IT and tests
                      (repeat --device/--image to write several keys from one download)
  --mount DIR         a FAT32 key already mounted at DIR: files are copied, correct ones kept
  --cache             keep verified files on this computer so the next key needs no download
  --json              machine-readable output (NDJSON progress on stderr, result on stdout)

Exit codes: 0 ok · 2 usage · 3 server unreachable or not signed in · 4 content not trusted · 5 not for this vehicle ·
            6 write failed or cancelled · 7 key verification failed · 1 anything else
`;

const EXIT: Partial<Record<ErrorCode, number>> = {
  VALIDATION_FAILED: 2,
  VIN_EMPTY: 2,
  VIN_TOO_SHORT: 2,
  VIN_TOO_LONG: 2,
  VIN_INVALID_CHARACTER: 2,
  VIN_FORBIDDEN_LETTER: 2,
  SERVER_UNREACHABLE: 3,
  UNAUTHENTICATED: 3,
  INVALID_CREDENTIALS: 3,
  PASSWORD_CHANGE_REQUIRED: 3,
  TOO_MANY_ATTEMPTS: 3,
  ACCOUNT_DISABLED: 3,
  TIMEOUT: 3,
  NO_CONTENT_YET: 3,
  DOWNLOAD_FAILED: 3,
  METADATA_INVALID: 4,
  METADATA_EXPIRED: 4,
  METADATA_ROLLBACK: 4,
  SIGNATURE_INVALID: 4,
  HASH_MISMATCH: 4,
  LENGTH_MISMATCH: 4,
  PACKAGE_UNKNOWN: 5,
  PACKAGE_NOT_ELIGIBLE: 5,
  WRITE_FAILED: 6,
  WRITE_CANCELLED: 6,
  DRIVE_REFUSED: 6,
  FAT32_VOLUME_TOO_SMALL: 6,
  FAT32_VOLUME_SIZE_UNSUPPORTED: 6,
  VERIFY_FAILED: 7,
};

const common = {
  server: { type: 'string' },
  'trusted-root': { type: 'string' },
  json: { type: 'boolean' },
} as const;

async function readSecret(envName: string, prompt: string): Promise<string> {
  const fromEnv = process.env[envName];
  if (fromEnv) return fromEnv;
  if (process.stdin.isTTY) process.stderr.write(prompt);
  let data = '';
  for await (const chunk of process.stdin) {
    data += String(chunk);
    if (data.includes('\n')) break;
  }
  return data.split('\n')[0]!.trim();
}

async function login(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { ...common, user: { type: 'string' } } });
  if (!values.server || !values.user) throw usage('--server and --user are required');
  const client = new ServerClient(values.server);
  const password = await readSecret('PNC_PASSWORD', 'Password: ');
  const res = await client.login(values.user, password, hostname());
  client.setToken(res.token);
  if (res.user.mustChangePassword) {
    const next = process.env.PNC_NEW_PASSWORD;
    if (!next)
      throw new PncError(
        'PASSWORD_CHANGE_REQUIRED',
        'This is a one-time password: set PNC_NEW_PASSWORD to choose yours, or sign in once in the app.',
      );
    await client.changePassword(password, next);
  }
  await createSessionStore(workstationHome()).save({
    serverUrl: client.baseUrl,
    username: res.user.username,
    token: res.token,
  });
  console.log(`Signed in to ${client.baseUrl} as ${res.user.username} (${res.user.role}).`);
  return 0;
}

async function connect(values: { server?: string; 'trusted-root'?: string }) {
  if (!values.server) throw usage('--server is required');
  const client = new ServerClient(values.server);
  const session = await createSessionStore(workstationHome()).load();
  if (session?.serverUrl === client.baseUrl) client.setToken(session.token);
  else if (process.env.PNC_TOKEN) client.setToken(process.env.PNC_TOKEN);
  const info = await client.info();
  const verified = await fetchVerifiedCatalog({
    serverUrl: client.baseUrl,
    trustedRootFile: trustedRootFile(values['trusted-root']),
    stateDir: workstationHome(),
    serverTime: info.serverTime,
  });
  return { client, info, verified };
}

class UsageError extends Error {}
const usage = (m: string) => new UsageError(m);

async function check(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: common, allowPositionals: true });
  const vin = parseVin(positionals[0] ?? '');
  const { client, info, verified } = await connect(values);
  const result = evaluateEligibility(trustedVehicle(verified, await client.vehicle(vin)), verified.catalog);
  if (values.json) {
    console.log(JSON.stringify(result, null, 2));
    return 0;
  }
  const v = result.vehicle;
  console.log(`${info.name} — content v${verified.version}, verified against the carmaker's root`);
  console.log(
    `Vehicle ${v.vin}: ${[v.brand, v.model, v.modelYear, v.headUnit].filter(Boolean).join(' ')}${v.source === 'decoded' ? ' (not in the registry: model-level answer)' : ''}`,
  );
  if (result.eligible.length === 0) console.log('No update needed.');
  for (const u of result.eligible) {
    const campaign = u.campaign
      ? ` [campaign ${u.campaign.code}${u.campaign.mandatory ? ', mandatory' : ''}]`
      : '';
    console.log(
      `  ✔ ${u.packageId}  ${u.kind} ${u.version}  ${formatBytes(u.size)} in ${u.fileCount} files  ${u.reason}${campaign}`,
    );
  }
  for (const n of result.notEligible)
    console.log(`  ✘ ${n.packageId}  ${n.kind} ${n.version}  ${n.reason}${n.detail ? ` (${n.detail})` : ''}`);
  return 0;
}

async function write(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      ...common,
      vin: { type: 'string' },
      package: { type: 'string', multiple: true },
      image: { type: 'string', multiple: true },
      device: { type: 'string', multiple: true },
      mount: { type: 'string' },
      size: { type: 'string' },
      label: { type: 'string' },
      yes: { type: 'boolean' },
      cache: { type: 'boolean' },
      'cache-size': { type: 'string' },
    },
  });
  if (!values.vin) throw usage('--vin is required');
  if (!values.package?.length) throw usage('at least one --package is required');
  if (values.mount) {
    if (values.device || values.image) throw usage('--mount cannot be combined with --device or --image');
    return writeMounted(values.mount, parseVin(values.vin), values.package, values);
  }
  const devices = values.device ?? [];
  const images = values.image ?? [];
  if (devices.length + images.length === 0)
    throw usage('give --device DEV or --image FILE (several keys: repeat them)');
  if (images.length && !values.size) throw usage('--image needs --size (e.g. 8GiB)');
  if (devices.length && !values.yes)
    throw usage(`writing erases everything on ${devices.join(', ')}: add --yes to confirm`);
  const vin = parseVin(values.vin);
  const targets: KeyTarget[] = [
    ...devices.map((device) => ({ kind: 'device', device }) as const),
    ...images.map((path) => ({ kind: 'image', path, size: parseSize(values.size!) }) as const),
  ];
  // The guards run before anything is downloaded: a refused drive costs nothing.
  const access = createDriveAccess();
  const keys = await Promise.all(targets.map((t) => access.open(t)));
  const { client, info, verified } = await connect(values);
  const vehicle = await client.vehicle(vin);
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  const mode = values.json ? 'json' : process.stderr.isTTY ? 'tty' : 'log';
  const blobs = values.cache
    ? createBlobCache({
        dir: join(workstationHome(), 'cache'),
        maxBytes: parseSize(values['cache-size'] ?? '20GiB'),
        upstream: (f, signal) =>
          downloadBlob(client, { size: f.size, sha256: f.sha256, ...(signal ? { signal } : {}) }),
      })
    : undefined;
  const outcomes = await writeKeys({
    ...(blobs ? { blobs } : {}),
    client,
    serverName: info.name,
    verified,
    vehicle,
    packageIds: values.package,
    keys,
    app: APP,
    signal: controller.signal,
    onProgress: createProgressPrinter(mode),
    ...(values.label ? { label: values.label } : {}),
  });
  if (values.json) {
    console.log(
      JSON.stringify(
        {
          ok: outcomes.every((o) => o.ok),
          keys: outcomes.map((o) =>
            o.ok
              ? { ok: true, target: o.label, ...o.result }
              : { ok: false, target: o.label, error: o.error.toJSON() },
          ),
        },
        null,
        2,
      ),
    );
  } else {
    for (const o of outcomes) {
      if (o.ok) {
        const r = o.result;
        console.log(
          `Key ${r.keyId} written to ${o.label}: ${r.files} files, ${formatBytes(r.bytes)} in ${r.seconds.toFixed(1)} s, verified.`,
        );
      } else console.error(`Key on ${o.label} NOT written: ${o.error.code}: ${o.error.message}`);
    }
  }
  // Per-key failures are printed above with the other keys' results.
  const failed = outcomes.find((o) => !o.ok);
  return failed && !failed.ok ? (EXIT[failed.error.code] ?? 1) : 0;
}

/** Mounted mode: an already formatted key the OS mounted; nothing is erased, correct files are kept. */
async function writeMounted(
  mountPath: string,
  vin: string,
  packageIds: string[],
  values: { server?: string; 'trusted-root'?: string; json?: boolean },
) {
  const { client, info, verified } = await connect(values);
  const vehicle = await client.vehicle(vin);
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  const print = createProgressPrinter(values.json ? 'json' : process.stderr.isTTY ? 'tty' : 'log');
  const meter = new RateMeter();
  const r = await writeMountedKey({
    client,
    serverName: info.name,
    verified,
    vehicle,
    packageIds,
    mountPath,
    app: APP,
    signal: controller.signal,
    onProgress: (p) => {
      const rate = p.phase === 'writing' ? meter.update(p.bytesDone) : 0;
      const phase = p.phase === 'checking' ? 'preparing' : p.phase;
      print({
        phase,
        bytesDone: p.bytesDone,
        bytesTotal: p.bytesTotal,
        bytesPerSecond: rate,
        etaSeconds: etaSeconds(p.bytesDone, p.bytesTotal, rate),
        file: p.file,
        keys: [],
      });
    },
  });
  if (values.json) console.log(JSON.stringify({ ok: true, target: mountPath, ...r }, null, 2));
  else
    console.log(
      `Key ${r.keyId} on ${mountPath}: ${r.written.length} files written, ${r.skipped.length} already there and correct; verified.`,
    );
  return 0;
}

async function drives(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean' } } });
  const list = await listDrives();
  if (values.json) {
    console.log(JSON.stringify(list, null, 2));
    return 0;
  }
  if (list.length === 0) console.log('No drives found.');
  for (const d of list) {
    const speed = d.usbSpeed === 'usb2' ? '  ⚠ USB 2.0 port: key creation will be several times slower' : '';
    const status = d.offered ? '✔ can be written' : `✘ ${d.refusal?.reason ?? 'refused'}`;
    console.log(`${d.device}  ${formatBytes(d.size)}  ${d.description}  ${status}${speed}`);
  }
  return 0;
}

async function verify(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { image: { type: 'string' }, device: { type: 'string' }, json: { type: 'boolean' } },
  });
  const path = values.device ?? values.image;
  if (!path) throw usage('give --device DEV or --image FILE');
  const report = await readKey(path);
  if (values.json) console.log(JSON.stringify(report, null, 2));
  else if (report.state === 'not-a-plugnconnect-key')
    console.log(`${path} is not a Plug'nConnect key (it has no key manifest).`);
  else {
    const m = report.manifest!;
    console.log(
      `Key ${m.keyId} for ${m.vin}: ${m.packages.map((p) => `${p.id} (${p.kind} ${p.version})`).join(', ')}`,
    );
    console.log(
      `Written ${m.createdAt} by ${m.app.name} ${m.app.version} from ${m.server.name}; state ${m.state}.`,
    );
    for (const p of report.problems) console.log(`  ✘ ${p.path}: ${p.problem}`);
    console.log(
      report.intact
        ? "Intact: every file matches the carmaker's signature."
        : 'NOT intact: do not install this key; write it again.',
    );
  }
  return report.intact ? 0 : 7;
}

async function eject(args: string[]): Promise<number> {
  const { positionals } = parseArgs({ args, options: {}, allowPositionals: true });
  if (!positionals[0]) throw usage('give the key to eject (device or mount point)');
  const r = await ejectDrive(positionals[0]);
  console.log(r.ok ? (r.message ?? 'The key can be removed.') : r.message);
  return r.ok ? 0 : 6;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'login':
      return login(rest);
    case 'check':
      return check(rest);
    case 'write':
      return write(rest);
    case 'drives':
      return drives(rest);
    case 'verify':
      return verify(rest);
    case 'eject':
      return eject(rest);
    case '--version':
    case 'version':
      console.log(APP.version);
      return 0;
    case 'help':
    case '--help':
    case '-h':
      console.log(HELP);
      return 0;
    default:
      console.error(command ? `Unknown command "${command}".\n` : '', HELP);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const json = process.argv.includes('--json');
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`${(err as Error).message}\n\n${HELP}`);
      process.exit(2);
    }
    if (isPncError(err)) {
      if (json) console.log(JSON.stringify({ ok: false, error: err.toJSON() }));
      else console.error(`\nError ${err.code}: ${err.message}`);
      process.exit(EXIT[err.code] ?? 1);
    }
    console.error(`\nUnexpected error: ${(err as Error).message}`);
    process.exit(1);
  },
);
