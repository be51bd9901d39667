import { z } from 'zod';
import { checkFat32Tree, FAT32_MAX_FILE_SIZE, splitKeyPath } from './fat32-names.js';
import { PncError } from './errors.js';

export const LOCALES = ['it', 'fr', 'es', 'en', 'de'] as const;
export const Locale = z.enum(LOCALES);
export type Locale = z.infer<typeof Locale>;

export const HeadUnitFamily = z.enum(['RLINK2', 'EASYLINK', 'OPENRLINK']);
export type HeadUnitFamily = z.infer<typeof HeadUnitFamily>;

export const UpdateKind = z.enum(['SOFT', 'MAP']);
export type UpdateKind = z.infer<typeof UpdateKind>;

export const Brand = z.enum(['RENAULT', 'DACIA', 'ALPINE', 'NISSAN', 'MITSUBISHI']);
export type Brand = z.infer<typeof Brand>;

export const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a lowercase hex sha256');
export const Version = z.string().regex(/^\d+(\.\d+){0,5}$/, 'a dotted numeric version such as 11.2.0');
export const PackageId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/, 'letters, digits, ".", "_" and "-"');
/** A map region code (`EUROPE`, `EUROPE_EAST`…), or `*` where a package applies everywhere. */
export const MapRegion = z.string().regex(/^(\*|[A-Z][A-Z0-9_]{1,31})$/);
export const CampaignCode = z.string().regex(/^[A-Z0-9][A-Z0-9_-]{1,31}$/);

/** A key-relative path FAT32 can hold. */
export const KeyPath = z.string().superRefine((p, ctx) => {
  try {
    splitKeyPath(p);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
  }
});

export const PackageFile = z.object({
  path: KeyPath,
  size: z.number().int().min(0).max(FAT32_MAX_FILE_SIZE),
  sha256: Sha256,
});
export type PackageFile = z.infer<typeof PackageFile>;

export const ApplicabilityRules = z.object({
  /** Brands the package is for; absent = every brand. */
  brands: z.array(Brand).min(1).optional(),
  /** Model codes (e.g. `CLIO5`); absent = every model. */
  models: z.array(z.string().min(1).max(32)).min(1).optional(),
  /** Installed versions this update installs over (`4.2.1`, or a prefix `4.*`); absent = any older. */
  fromVersions: z.array(z.string().regex(/^\d+(\.\d+)*(\.\*)?$/)).min(1).optional(),
});
export type ApplicabilityRules = z.infer<typeof ApplicabilityRules>;

export const Campaign = z.object({
  code: CampaignCode,
  mandatory: z.boolean(),
});
export type Campaign = z.infer<typeof Campaign>;

export const LocalizedText = z.partialRecord(Locale, z.string().max(4000)).refine((t) => t.en !== undefined, {
  message: 'an English text is required',
});
export type LocalizedText = z.infer<typeof LocalizedText>;

function refineTree(files: ReadonlyArray<{ path: string; size: number }>, ctx: z.RefinementCtx): void {
  try {
    checkFat32Tree(files);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message, path: ['files'] });
  }
}

export const UpdatePackage = z
  .object({
    id: PackageId,
    kind: UpdateKind,
    family: HeadUnitFamily,
    version: Version,
    title: LocalizedText,
    region: MapRegion,
    rules: ApplicabilityRules.default({}),
    campaign: Campaign.optional(),
    notes: LocalizedText.optional(),
    releasedAt: z.iso.datetime(),
    files: z.array(PackageFile).min(1),
  })
  .superRefine((p, ctx) => refineTree(p.files, ctx));
export type UpdatePackage = z.infer<typeof UpdatePackage>;

/** Other content that rides the same mirror: diagnostic ISOs, the workstation app's installers. */
export const ChannelName = z.enum(['diagnostic-iso', 'desktop-installer']);
export type ChannelName = z.infer<typeof ChannelName>;
export const ChannelItem = z.object({
  channel: ChannelName,
  id: PackageId,
  version: Version,
  title: LocalizedText,
  platform: z.string().max(32).optional(),
  releasedAt: z.iso.datetime(),
  file: PackageFile,
});
export type ChannelItem = z.infer<typeof ChannelItem>;

/** The signed content catalog (a TUF target). Every byte it names is addressed by sha256. */
export const Catalog = z
  .object({
    schema: z.literal(1),
    generatedAt: z.iso.datetime(),
    packages: z.array(UpdatePackage),
    channels: z.array(ChannelItem).default([]),
  })
  .superRefine((c, ctx) => {
    const ids = new Set<string>();
    for (const p of c.packages) {
      if (ids.has(p.id)) ctx.addIssue({ code: 'custom', message: `package id "${p.id}" appears twice`, path: ['packages'] });
      ids.add(p.id);
    }
  });
export type Catalog = z.infer<typeof Catalog>;

export const VehicleRecord = z.object({
  vin: z.string().length(17),
  brand: Brand,
  model: z.string().min(1).max(32),
  modelYear: z.number().int().min(1980).max(2100).optional(),
  headUnit: HeadUnitFamily,
  softVersion: Version.optional(),
  mapVersion: Version.optional(),
  mapRegion: MapRegion.optional(),
  openCampaigns: z.array(CampaignCode).default([]),
});
export type VehicleRecord = z.infer<typeof VehicleRecord>;

/** What we know of a vehicle: its registry record, or only what its VIN decodes to. */
export const VehicleInfo = z.object({
  vin: z.string().length(17),
  source: z.enum(['registry', 'decoded']),
  brand: Brand.optional(),
  model: z.string().optional(),
  modelYear: z.number().int().optional(),
  headUnit: HeadUnitFamily.optional(),
  softVersion: Version.optional(),
  mapVersion: Version.optional(),
  mapRegion: MapRegion.optional(),
  openCampaigns: z.array(CampaignCode).default([]),
});
export type VehicleInfo = z.infer<typeof VehicleInfo>;

export const EligibleReason = z.enum([
  /** An open campaign for this vehicle asks for this package. */
  'CAMPAIGN_OPEN',
  /** Newer than what the vehicle has. */
  'UPDATE_AVAILABLE',
  /** The installed version is not known; the package fits the vehicle. */
  'INSTALLED_VERSION_UNKNOWN',
  /** Unknown vehicle: the package fits its brand; the head unit must be checked in the car. */
  'MODEL_LEVEL',
]);
export type EligibleReason = z.infer<typeof EligibleReason>;

export const NotEligibleReason = z.enum([
  'OTHER_HEAD_UNIT',
  'BRAND_NOT_COVERED',
  'MODEL_NOT_COVERED',
  'OTHER_MAP_REGION',
  'ALREADY_UP_TO_DATE',
  'FROM_VERSION_NOT_SUPPORTED',
  'SUPERSEDED',
]);
export type NotEligibleReason = z.infer<typeof NotEligibleReason>;

export const EligibleUpdate = z.object({
  packageId: PackageId,
  kind: UpdateKind,
  family: HeadUnitFamily,
  version: Version,
  title: LocalizedText,
  size: z.number().int().min(0),
  fileCount: z.number().int().min(0),
  campaign: Campaign.optional(),
  reason: EligibleReason,
  /** `vehicle` when decided on the registry record, `model` when only on the decoded VIN. */
  certainty: z.enum(['vehicle', 'model']),
  installedVersion: Version.optional(),
});
export type EligibleUpdate = z.infer<typeof EligibleUpdate>;

export const NotEligibleUpdate = z.object({
  packageId: PackageId,
  kind: UpdateKind,
  family: HeadUnitFamily,
  version: Version,
  reason: NotEligibleReason,
  detail: z.string().optional(),
});
export type NotEligibleUpdate = z.infer<typeof NotEligibleUpdate>;

export const EligibilityResult = z.object({
  vehicle: VehicleInfo,
  eligible: z.array(EligibleUpdate),
  notEligible: z.array(NotEligibleUpdate),
});
export type EligibilityResult = z.infer<typeof EligibilityResult>;

export const FailureReason = z.enum(['KEY_NOT_RECOGNISED', 'INSTALL_ERROR', 'VEHICLE_REFUSED', 'INTERRUPTED', 'OTHER']);
export type FailureReason = z.infer<typeof FailureReason>;

export const InstallationConfirmation = z
  .object({
    /** Generated by the workstation; posting the same id twice is harmless. */
    id: z.uuid(),
    vin: z.string().length(17),
    packageIds: z.array(PackageId).min(1).max(16),
    outcome: z.enum(['SUCCESS', 'FAILURE']),
    failureReason: FailureReason.optional(),
    note: z.string().max(2000).optional(),
    keyId: z.string().max(64).optional(),
    workstation: z.string().max(64).optional(),
    installedAt: z.iso.datetime(),
  })
  .refine((c) => c.outcome === 'SUCCESS' || c.failureReason !== undefined, {
    message: 'a failure needs a failureReason',
    path: ['failureReason'],
  });
export type InstallationConfirmation = z.infer<typeof InstallationConfirmation>;

/** Total bytes of a package. */
export function packageSize(p: Pick<UpdatePackage, 'files'>): number {
  return p.files.reduce((n, f) => n + f.size, 0);
}

/** Parses with a schema and throws a PncError naming the first bad field. */
export function parseOrThrow<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const r = schema.safeParse(value);
  if (!r.success) {
    const first = r.error.issues[0];
    const where = first ? `${first.path.join('.') || what}: ${first.message}` : what;
    throw new PncError('VALIDATION_FAILED', `Invalid ${what} (${where})`, {
      issues: r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    });
  }
  return r.data;
}
