/** Mounted mode: fill a key that is already FAT32 and mounted, without admin rights. */
export {
  writeToMountedKey,
  type MountedFile,
  type MountedProgress,
  type WriteMountedRequest,
  type WriteMountedResult,
} from './write-mounted.js';
export { mountedFileSystem, type MountedFileSystem } from './mounted-fs.js';
