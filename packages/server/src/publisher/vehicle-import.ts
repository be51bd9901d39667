import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { isPncError, parseVin, PncError, VehicleRecord } from '@pnc/shared';

const CSV_COLUMNS = [
  'vin',
  'brand',
  'model',
  'modelYear',
  'headUnit',
  'softVersion',
  'mapVersion',
  'mapRegion',
  'openCampaigns',
] as const;
const MAX_REPORTED = 20;

/** Splits one CSV line (RFC 4180 quoting, no line breaks inside fields). */
function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      out.push(field);
      field = '';
    } else field += c;
  }
  if (quoted) throw new Error('a quoted field is not closed');
  out.push(field.trim());
  return out.map((f) => f.trim());
}

function csvRecord(header: string[], fields: string[]): Record<string, unknown> {
  if (fields.length !== header.length)
    throw new Error(`expected ${header.length} fields, found ${fields.length}`);
  const rec: Record<string, unknown> = {};
  header.forEach((col, i) => {
    const v = fields[i] ?? '';
    if (v === '') return;
    if (col === 'modelYear') rec[col] = /^\d+$/.test(v) ? Number(v) : v;
    else if (col === 'openCampaigns') rec[col] = v.split(/[;\s]+/).filter(Boolean);
    else rec[col] = v;
  });
  return rec;
}

function validate(raw: unknown): VehicleRecord {
  const r = VehicleRecord.safeParse(raw);
  if (!r.success) {
    const first = r.error.issues[0];
    throw new Error(first ? `${first.path.join('.') || 'record'}: ${first.message}` : 'invalid record');
  }
  const vin = parseVin(r.data.vin);
  if (vin !== r.data.vin) throw new Error(`vin: write "${vin}" (upper case, no spaces)`);
  return r.data;
}

/**
 * Reads a vehicle registry from CSV (header line with the VehicleRecord field names) or NDJSON.
 * Every problem is reported with its line number; nothing is imported unless all lines are valid.
 */
export function importVehicles(file: string): VehicleRecord[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new PncError('NOT_FOUND', `The vehicle file ${file} cannot be read.`, { path: file });
  }
  const name = basename(file);
  const isCsv = extname(file).toLowerCase() === '.csv';
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const errors: string[] = [];
  const out: VehicleRecord[] = [];
  const seen = new Map<string, number>();
  let header: string[] | null = null;
  lines.forEach((line, i) => {
    const lineNo = i + 1;
    if (line.trim() === '') return;
    try {
      if (isCsv && header === null) {
        header = splitCsvLine(line);
        const unknown = header.filter((h) => !(CSV_COLUMNS as readonly string[]).includes(h));
        if (unknown.length)
          throw new Error(`unknown column(s) ${unknown.join(', ')}; expected ${CSV_COLUMNS.join(',')}`);
        if (!header.includes('vin')) throw new Error('the header has no "vin" column');
        return;
      }
      const raw: unknown = header !== null ? csvRecord(header, splitCsvLine(line)) : JSON.parse(line);
      const rec = validate(raw);
      const dup = seen.get(rec.vin);
      if (dup !== undefined) throw new Error(`VIN ${rec.vin} already appears on line ${dup}`);
      seen.set(rec.vin, lineNo);
      out.push(rec);
    } catch (e) {
      const msg = isPncError(e) || e instanceof Error ? e.message : String(e);
      errors.push(`${name} line ${lineNo}: ${msg}`);
    }
  });
  if (errors.length) {
    const shown = errors.slice(0, MAX_REPORTED).join('\n  ');
    const more = errors.length > MAX_REPORTED ? `\n  … and ${errors.length - MAX_REPORTED} more` : '';
    throw new PncError('VALIDATION_FAILED', `The vehicle registry was not imported:\n  ${shown}${more}`, {
      errors,
    });
  }
  if (out.length === 0) throw new PncError('VALIDATION_FAILED', `${name} holds no vehicle.`);
  return out;
}
