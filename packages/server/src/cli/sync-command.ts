import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { dataDirLayout } from '../config/data-dir.js';
import { openDatabase } from '../db/database.js';
import { parseBandwidthSpec, Throttle } from '../mirror/bandwidth.js';
import { OriginHttp } from '../mirror/origin-http.js';
import { acquireSyncLock } from '../mirror/sync-lock.js';
import { runSync } from '../mirror/sync-run.js';
import { provisionTrustedRoot } from '../mirror/trusted-root.js';
import { EXIT, parseNumber, parseSize, reportError, UsageError } from './cli-support.js';

const HELP = `pnc-server sync — mirror the carmaker's signed repository once, now

Usage: pnc-server sync --origin URL --data-dir DIR [options]

  --origin URL           base URL of the carmaker repository (HTTPS; HTTPS_PROXY is honoured)
  --data-dir DIR         the box's data folder
  --trusted-root FILE    the carmaker root to trust (needed once, on the first sync)
  --parallel N           blobs downloaded at once (4)
  --bandwidth SPEC       e.g. "mon-sat 08:00-19:00 2MiB; sun 00:00-00:00 unlimited"
  --timezone TZ          time zone of the bandwidth windows (the box's by default)
  --disk-margin SIZE     space kept free beyond the new content (1GiB)
  --idle-timeout SEC     give up on a connection silent this long (30)
  --retention-days N     keep unreferenced blobs this long (14)
  --json                 print the result as JSON on stdout (the log goes to stderr)

Exit codes: 0 synchronised or already up to date, 1 refused or failed (the previous content is
still served), 2 usage error, 70 internal error.
`;

/** `pnc-server sync`: one synchronisation in this process, with the log on stderr. */
export async function syncCommand(args: string[]): Promise<number> {
  const json = args.includes('--json');
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        origin: { type: 'string' },
        'data-dir': { type: 'string' },
        'trusted-root': { type: 'string' },
        parallel: { type: 'string' },
        bandwidth: { type: 'string' },
        timezone: { type: 'string' },
        'disk-margin': { type: 'string' },
        'idle-timeout': { type: 'string' },
        'retention-days': { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
      strict: true,
    }));
  } catch (e) {
    return reportError(new UsageError((e as Error).message), json, 'pnc-server sync');
  }
  if (values.help) {
    process.stdout.write(HELP);
    return EXIT.ok;
  }
  const log = pino({ level: process.env['PNC_LOG_LEVEL'] ?? 'info' }, pino.destination(2));
  let http: OriginHttp | undefined;
  try {
    if (!values.origin) throw new UsageError('--origin is required.');
    if (!values['data-dir']) throw new UsageError('--data-dir is required.');
    const origin = values.origin;
    if (!/^https?:\/\//.test(origin))
      throw new UsageError(`--origin must be an http(s) URL, not "${origin}".`);
    const dataDir = resolve(values['data-dir']);
    if (values['trusted-root']) provisionTrustedRoot(dataDir, resolve(values['trusted-root']));
    const bandwidth = values.bandwidth ? parseBandwidthSpec(values.bandwidth, values.timezone) : undefined;
    http = new OriginHttp(
      values['idle-timeout'] ? parseNumber(values['idle-timeout'], '--idle-timeout', 1) * 1000 : undefined,
    );
    const release = acquireSyncLock(dataDir);
    const db = openDatabase(dataDirLayout(dataDir).database);
    const abort = new AbortController();
    const onSignal = (): void => abort.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      const result = await runSync({
        dataDir,
        db,
        origin,
        log,
        http,
        trigger: 'cli',
        throttle: new Throttle(bandwidth),
        signal: abort.signal,
        ...(values.parallel ? { parallel: parseNumber(values.parallel, '--parallel', 1) } : {}),
        ...(values['disk-margin']
          ? { diskMarginBytes: parseSize(values['disk-margin'], '--disk-margin') }
          : {}),
        ...(values['retention-days']
          ? { retentionDays: parseNumber(values['retention-days'], '--retention-days', 0) }
          : {}),
      });
      if (json) process.stdout.write(JSON.stringify(result) + '\n');
      else if (result.error)
        process.stderr.write(`pnc-server sync: ${result.error.message} [${result.error.code}]\n`);
      else {
        const what =
          result.status === 'unchanged'
            ? 'already up to date'
            : `now serving snapshot ${result.snapshotVersion}`;
        process.stdout.write(
          `Synchronised: ${what} (${result.filesDownloaded} files, ${result.bytesDownloaded} bytes downloaded).\n`,
        );
      }
      if (result.clockSkewSeconds !== null && Math.abs(result.clockSkewSeconds) > 300) {
        process.stderr.write(
          `warning: the box's clock differs from the origin's by ${result.clockSkewSeconds} s; check NTP.\n`,
        );
      }
      return result.status === 'failed' ? EXIT.failed : EXIT.ok;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      db.close();
      release();
    }
  } catch (e) {
    return reportError(e, json, 'pnc-server sync');
  } finally {
    await http?.close();
  }
}
