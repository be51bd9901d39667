import type { WriteProgress } from '../keys/write-key.js';
import { formatBytes } from '../util/size.js';

/** A one-line progress bar on a terminal, a line every few seconds in a log, NDJSON with --json. */
export function createProgressPrinter(
  mode: 'tty' | 'log' | 'json',
  out: NodeJS.WritableStream = process.stderr,
) {
  let lastLog = 0;
  let lastPhase = '';
  return (p: WriteProgress) => {
    if (mode === 'json') {
      out.write(JSON.stringify({ event: 'progress', ...p }) + '\n');
      return;
    }
    const pct = p.bytesTotal > 0 ? Math.floor((p.bytesDone / p.bytesTotal) * 100) : 100;
    const rate = p.bytesPerSecond > 0 ? ` ${formatBytes(p.bytesPerSecond)}/s` : '';
    const eta =
      p.etaSeconds !== null && p.phase === 'writing'
        ? ` ETA ${Math.floor(p.etaSeconds / 60)}:${String(p.etaSeconds % 60).padStart(2, '0')}`
        : '';
    const text = `${p.phase.padEnd(10)} ${String(pct).padStart(3)}% ${formatBytes(p.bytesDone)} / ${formatBytes(p.bytesTotal)}${rate}${eta}`;
    if (mode === 'tty') {
      const width = 24;
      const filled = Math.round((pct / 100) * width);
      out.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${text}\x1b[K`);
      if (p.phase === 'done') out.write('\n');
      return;
    }
    const now = Date.now();
    if (p.phase !== lastPhase || now - lastLog > 2000 || p.phase === 'done') {
      out.write(text + '\n');
      lastLog = now;
      lastPhase = p.phase;
    }
  };
}
