import { z } from 'zod';
import { HeadUnitFamily, PackageFile, PackageId, UpdateKind, Version } from '@pnc/shared';

/** The manifest at a key's root: what the key holds and whether it was completed and verified. */
export const KEY_MANIFEST_PATH = 'PLUGNCONNECT-KEY.json';

export const KeyManifest = z.object({
  format: z.literal('plugnconnect-key/1'),
  /** `writing` until every file was written and read back identical; never trust a key that says so. */
  state: z.enum(['writing', 'complete']),
  keyId: z.string(),
  vin: z.string().length(17),
  packages: z.array(z.object({ id: PackageId, kind: UpdateKind, family: HeadUnitFamily, version: Version })),
  files: z.array(PackageFile),
  catalogVersion: z.number().int(),
  server: z.object({ url: z.string(), name: z.string() }),
  app: z.object({ name: z.string(), version: z.string() }),
  createdAt: z.iso.datetime(),
  completedAt: z.iso.datetime().nullable(),
});
export type KeyManifest = z.infer<typeof KeyManifest>;

const SLACK = 64;

/**
 * Renders the manifest at a fixed size (padded with spaces, a valid JSON either way) so the
 * `writing` version laid down first can be replaced in place by the `complete` one at the end.
 */
export function renderManifest(m: KeyManifest, size?: number): Buffer {
  const json = JSON.stringify(m, null, 1);
  const target = size ?? Math.ceil((Buffer.byteLength(json) + SLACK) / 512) * 512;
  const bytes = Buffer.byteLength(json);
  if (bytes + 1 > target) throw new Error(`key manifest grew past its reserved ${target} bytes`);
  return Buffer.concat([Buffer.from(json), Buffer.alloc(target - bytes - 1, ' '), Buffer.from('\n')]);
}

export function parseManifest(bytes: Buffer): KeyManifest {
  return KeyManifest.parse(JSON.parse(bytes.toString('utf8')));
}
