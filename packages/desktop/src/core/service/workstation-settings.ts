import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { WorkstationSettings } from '@pnc/shared';
import { writeFileAtomic } from '../util/atomic-file.js';

/** 20 GB: a few full map updates, well under the 100 GB a workstation is asked to keep free. */
export const DEFAULT_CACHE_MAX_BYTES = 20_000_000_000;

const SettingsFile = z.object({
  version: z.literal(1),
  settings: WorkstationSettings,
  /** Average speed of the last key written here, for the estimated key time. */
  lastKeyBytesPerSecond: z.number().min(0).nullable().default(null),
});
type SettingsFile = z.infer<typeof SettingsFile>;

const DEFAULTS: SettingsFile = {
  version: 1,
  settings: { language: null, cacheMaxBytes: DEFAULT_CACHE_MAX_BYTES },
  lastKeyBytesPerSecond: null,
};

/** The workstation's settings in `settings.json`, written atomically; a damaged file reads as the defaults. */
export function createSettingsStore(stateDir: string) {
  const file = join(stateDir, 'settings.json');
  let current: SettingsFile | null = null;

  async function load(): Promise<SettingsFile> {
    if (current) return current;
    try {
      current = SettingsFile.parse(JSON.parse(await readFile(file, 'utf8')));
    } catch {
      current = structuredClone(DEFAULTS);
    }
    return current;
  }
  async function save(next: SettingsFile): Promise<void> {
    await writeFileAtomic(file, JSON.stringify(next, null, 1));
    current = next;
  }

  return {
    async get(): Promise<WorkstationSettings> {
      return (await load()).settings;
    },
    async update(patch: Partial<WorkstationSettings>): Promise<WorkstationSettings> {
      const now = await load();
      const settings = WorkstationSettings.parse({ ...now.settings, ...patch });
      await save({ ...now, settings });
      return settings;
    },
    async lastKeySpeed(): Promise<number | null> {
      return (await load()).lastKeyBytesPerSecond;
    },
    async setLastKeySpeed(bytesPerSecond: number): Promise<void> {
      await save({ ...(await load()), lastKeyBytesPerSecond: bytesPerSecond });
    },
  };
}
export type SettingsStore = ReturnType<typeof createSettingsStore>;
