import { openDeviceTarget, openImageTarget, type BlockTarget } from '../fat32/index.js';
import { assertWritableTarget, type GuardOptions, type KeyTarget } from './guards.js';

/** Runs every safety guard, then opens the key (a whole device at its own size, or a fresh sparse image). */
export async function openKeyTarget(target: KeyTarget, opts: GuardOptions = {}): Promise<BlockTarget> {
  const checked = await assertWritableTarget(target, opts);
  return checked.kind === 'image'
    ? openImageTarget(checked.path, target.volumeBytes)
    : openDeviceTarget(checked.path, checked.size);
}
