import { Readable } from 'node:stream';
import { BaseFetcher } from 'tuf-js';
import { DownloadHTTPError } from 'tuf-js/dist/error.js';
import { PncError } from '@pnc/shared';
import { networkError, type OriginHttp } from './origin-http.js';

/**
 * tuf-js fetcher over our HTTP client: idle timeouts instead of a whole-download timeout, and
 * 403/404 as DownloadHTTPError so root probing stops at the newest root. Keeps the bytes it
 * fetched (roots by version: the box serves the whole chain; the others by role, to explain a
 * refusal) and the last failure, which tuf-js flattens into a message.
 */
export class TufFetcher extends BaseFetcher {
  readonly roots = new Map<number, Buffer>();
  readonly lastByRole = new Map<string, Buffer>();
  lastError: PncError | null = null;

  constructor(private readonly http: OriginHttp) {
    super();
  }

  override async fetch(url: string): Promise<ReadableStream<Uint8Array<ArrayBuffer>>> {
    const res = await this.http.get(url).catch((e: unknown) => {
      throw (this.lastError = networkError(e, url));
    });
    if (res.statusCode !== 200) {
      await res.body.dump();
      const file = url.slice(url.lastIndexOf('/') + 1);
      this.lastError = new PncError(
        'DOWNLOAD_FAILED',
        `The origin answered HTTP ${res.statusCode} for ${file}.`,
        { url, status: res.statusCode },
      );
      throw new DownloadHTTPError(this.lastError.message, res.statusCode);
    }
    return Readable.toWeb(res.body) as ReadableStream<Uint8Array<ArrayBuffer>>;
  }

  override async downloadBytes(url: string, maxLength: number): Promise<Buffer> {
    const bytes = await super.downloadBytes(url, maxLength);
    const m = /\/(?:(\d+)\.)?(root|timestamp|snapshot|targets)\.json$/.exec(url);
    if (m) this.lastByRole.set(m[2]!, bytes);
    if (m?.[1] && m[2] === 'root') this.roots.set(Number(m[1]), bytes);
    return bytes;
  }
}
