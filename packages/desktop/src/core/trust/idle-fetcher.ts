import { Readable } from 'node:stream';
import axios, { AxiosError } from 'axios';
import { BaseFetcher } from 'tuf-js';
import { DownloadHTTPError } from 'tuf-js/dist/error.js';

/**
 * tuf-js fetcher over axios with an idle timeout (no byte for `idleMs` aborts) instead of a
 * whole-download timeout. HTTP errors become DownloadHTTPError so a 404 ends root probing.
 */
export class IdleTimeoutFetcher extends BaseFetcher {
  constructor(private readonly idleMs = 30_000) {
    super();
  }

  override async fetch(url: string): Promise<ReadableStream<Uint8Array<ArrayBuffer>>> {
    const controller = new AbortController();
    let timer = setTimeout(() => controller.abort(), this.idleMs);
    let res;
    try {
      res = await axios.get<Readable>(url, {
        responseType: 'stream',
        signal: controller.signal,
        maxRedirects: 0,
      });
    } catch (e) {
      clearTimeout(timer);
      if (e instanceof AxiosError && e.response)
        throw new DownloadHTTPError(`GET ${url}: ${e.response.status}`, e.response.status);
      throw e;
    }
    const body = res.data;
    const rearm = () => {
      clearTimeout(timer);
      timer = setTimeout(
        () => body.destroy(new Error(`no data for ${this.idleMs} ms from ${url}`)),
        this.idleMs,
      );
    };
    rearm();
    body.on('data', rearm);
    body.once('close', () => clearTimeout(timer));
    return Readable.toWeb(body) as ReadableStream<Uint8Array<ArrayBuffer>>;
  }
}
