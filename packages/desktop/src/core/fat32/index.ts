/** FAT32 key writer: plan a fresh volume, write it in one streaming pass, read it back independently. */
export {
  planFat32Volume,
  type Fat32FileSpec,
  type Fat32Plan,
  type Fat32PlanOptions,
  type PlannedFile,
} from './plan.js';
export {
  rewriteFileInPlace,
  writeFat32Volume,
  type FileSource,
  type WriteOptions,
  type WriteProgress,
} from './write.js';
export { openDeviceTarget, openImageTarget, type BlockTarget } from './targets.js';
export { Fat32Reader } from './read.js';
export { FAT32_MIN_VOLUME_BYTES } from './geometry.js';
