import { PncError } from '@pnc/shared';

export const SECTOR_BYTES = 512;
export const MIB = 1024 * 1024;
const GIB = 1024 * MIB;
/** The partition starts at 1 MiB (LBA 2048), as every modern partitioner aligns it. */
export const PARTITION_START_LBA = 2048;
/** Below this many clusters a volume is FAT16 by definition (Microsoft's FAT spec). */
const FAT32_MIN_CLUSTERS = 65_525;
/** MBR sector numbers are 32-bit: the partition must end before sector 2^32 (2 TiB). */
const MBR_MAX_SECTORS = 2 ** 32;
const MIN_RESERVED_SECTORS = 32;
const ALIGN_SECTORS = MIB / SECTOR_BYTES;
/**
 * The smallest device that yields a FAT32 volume: 1 MiB before the partition, 1 MiB of
 * reserved sectors and FATs, then the minimum number of 4 KiB clusters.
 */
export const FAT32_MIN_VOLUME_BYTES = 2 * MIB + FAT32_MIN_CLUSTERS * 4096;

export interface Geometry {
  volumeBytes: number;
  partitionOffset: number;
  partitionSectors: number;
  sectorsPerCluster: number;
  reservedSectors: number;
  fatSectors: number;
  clusterCount: number;
}

/** Microsoft's default FAT32 cluster sizes by volume size. */
function sectorsPerClusterFor(partitionBytes: number): number {
  if (partitionBytes <= 8 * GIB) return 8;
  if (partitionBytes <= 16 * GIB) return 16;
  if (partitionBytes <= 32 * GIB) return 32;
  return 64;
}

/**
 * Lays out a device as MBR + one FAT32 partition at 1 MiB. Devices beyond what an MBR addresses
 * get a partition of the largest MBR size (the rest stays unused); too small ones are refused.
 */
export function computeGeometry(volumeBytes: number): Geometry {
  if (!Number.isSafeInteger(volumeBytes) || volumeBytes < 0) {
    throw new PncError('VALIDATION_FAILED', `Volume size ${volumeBytes} is not a byte count.`, {
      volumeBytes,
    });
  }
  if (volumeBytes < FAT32_MIN_VOLUME_BYTES) {
    throw new PncError(
      'FAT32_VOLUME_SIZE_UNSUPPORTED',
      `A ${describeBytes(volumeBytes)} key is too small for FAT32, which needs at least ${FAT32_MIN_VOLUME_BYTES} bytes (${describeBytes(FAT32_MIN_VOLUME_BYTES)}). Use a bigger key.`,
      { volumeBytes, minBytes: FAT32_MIN_VOLUME_BYTES },
    );
  }
  const partitionSectors =
    Math.min(Math.floor(volumeBytes / SECTOR_BYTES), MBR_MAX_SECTORS) - PARTITION_START_LBA;
  const sectorsPerCluster = sectorsPerClusterFor(partitionSectors * SECTOR_BYTES);
  // Size the FAT for the clusters the partition would hold with no FAT at all: a slight
  // over-estimate that never falls short, and keeps the computation free of iteration.
  const maxClusters = Math.floor((partitionSectors - MIN_RESERVED_SECTORS) / sectorsPerCluster);
  const fatSectors = Math.ceil(((maxClusters + 2) * 4) / SECTOR_BYTES);
  // Grow the reserved region so that the data region starts on a 1 MiB boundary of the device.
  const metaSectors = Math.ceil((MIN_RESERVED_SECTORS + 2 * fatSectors) / ALIGN_SECTORS) * ALIGN_SECTORS;
  const reservedSectors = metaSectors - 2 * fatSectors;
  const clusterCount = Math.floor((partitionSectors - metaSectors) / sectorsPerCluster);
  return {
    volumeBytes,
    partitionOffset: PARTITION_START_LBA * SECTOR_BYTES,
    partitionSectors,
    sectorsPerCluster,
    reservedSectors,
    fatSectors,
    clusterCount,
  };
}

/** A byte count as people read it ("1.5 GiB"). */
export function describeBytes(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} bytes` : `${v.toFixed(v < 10 ? 2 : 1)} ${units[i]}`;
}
