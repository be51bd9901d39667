// The one table: what, ours, the reference measured in the same run, the ratio, the goal.
import { fmtBytes } from './common.mjs';

function pad(s, n) {
  s = String(s);
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

export function printTable(rows, m, opts) {
  const head = ['#', 'measured', 'ours', 'reference (same run)', 'ratio', 'goal', ''];
  const body = rows.map((r) => [
    r.id ?? '',
    r.what,
    r.skipped ? '—' : r.ours,
    r.skipped ? '—' : r.ref,
    r.skipped ? '—' : r.ratio === null || r.ratio === undefined ? '—' : r.ratio.toFixed(2),
    r.goal ?? '',
    r.skipped ? `skipped: ${r.skipped}` : r.ok === true ? 'ok' : r.ok === false ? 'MISSED' : '',
  ]);
  const widths = head.map((h, i) => Math.min(i === 6 ? 80 : 60, Math.max(h.length, ...body.map((b) => String(b[i]).length))));
  const line = (cols) => '| ' + cols.map((c, i) => pad(c, widths[i])).join(' | ') + ' |';
  const out = [];
  out.push('');
  out.push(`Plug'nConnect benchmark${opts.quick ? ' (--quick: small sizes, figures are indicative only)' : ''}`);
  out.push(`${m.cpu}, ${m.cores} cores, ${fmtBytes(m.memoryBytes)} RAM, ${m.os}, Node ${m.node}${m.root ? ', root' : ''}${m.commit ? `, commit ${m.commit}` : ''}`);
  out.push('');
  out.push(line(head));
  out.push('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  for (const b of body) out.push(line(b));
  const notes = rows.filter((r) => r.note).map((r) => `  ${r.id ?? ''} ${r.note}`);
  if (notes.length) {
    out.push('');
    out.push('Notes:');
    out.push(...notes);
  }
  const missed = rows.filter((r) => r.ok === false);
  out.push('');
  out.push(missed.length ? `${missed.length} goal(s) missed: ${missed.map((r) => r.id).join(', ')}` : 'Every measured row meets its goal.');
  out.push('');
  return out.join('\n');
}
