import { PARTITION_START_LBA, SECTOR_BYTES, type Geometry } from './geometry.js';

export const MEDIA_FIXED = 0xf8;
export const ROOT_CLUSTER = 2;
const FSINFO_SECTOR = 1;
const BACKUP_BOOT_SECTOR = 6;
const PARTITION_TYPE_FAT32_LBA = 0x0c;
/** The geometry BIOSes assume for LBA disks; only the legacy CHS fields use it. */
const HEADS = 255;
const SECTORS_PER_TRACK = 63;

function signSector(buf: Buffer, sectorStart: number): void {
  buf[sectorStart + 510] = 0x55;
  buf[sectorStart + 511] = 0xaa;
}

/** CHS address of an LBA, saturated at 1023/254/63 as partitioners do beyond ~8 GB. */
function writeChs(buf: Buffer, at: number, lba: number): void {
  let c = Math.floor(lba / (HEADS * SECTORS_PER_TRACK));
  let h = Math.floor(lba / SECTORS_PER_TRACK) % HEADS;
  let s = (lba % SECTORS_PER_TRACK) + 1;
  if (c > 1023) [c, h, s] = [1023, 254, 63];
  buf[at] = h;
  buf[at + 1] = s | ((c >> 8) << 6);
  buf[at + 2] = c & 0xff;
}

/** Sector 0 of the device: no boot code, one FAT32 (LBA) partition at 1 MiB. */
export function encodeMbr(g: Geometry, diskSignature: number): Buffer {
  const buf = Buffer.alloc(SECTOR_BYTES);
  buf.writeUInt32LE(diskSignature >>> 0, 440);
  const entry = 446;
  writeChs(buf, entry + 1, PARTITION_START_LBA);
  buf[entry + 4] = PARTITION_TYPE_FAT32_LBA;
  writeChs(buf, entry + 5, PARTITION_START_LBA + g.partitionSectors - 1);
  buf.writeUInt32LE(PARTITION_START_LBA, entry + 8);
  buf.writeUInt32LE(g.partitionSectors, entry + 12);
  signSector(buf, 0);
  return buf;
}

function encodeBootSector(buf: Buffer, at: number, g: Geometry, volumeId: number, label: string): void {
  buf.set([0xeb, 0x58, 0x90], at); // jump over the BPB to the boot code at 0x5A
  buf.write('MSWIN4.1', at + 3, 'latin1'); // the OEM name Microsoft recommends for compatibility
  buf.writeUInt16LE(SECTOR_BYTES, at + 11);
  buf[at + 13] = g.sectorsPerCluster;
  buf.writeUInt16LE(g.reservedSectors, at + 14);
  buf[at + 16] = 2; // FAT copies
  buf[at + 21] = MEDIA_FIXED;
  buf.writeUInt16LE(SECTORS_PER_TRACK, at + 24);
  buf.writeUInt16LE(HEADS, at + 26);
  buf.writeUInt32LE(PARTITION_START_LBA, at + 28); // hidden sectors
  buf.writeUInt32LE(g.partitionSectors, at + 32);
  buf.writeUInt32LE(g.fatSectors, at + 36);
  buf.writeUInt32LE(ROOT_CLUSTER, at + 44);
  buf.writeUInt16LE(FSINFO_SECTOR, at + 48);
  buf.writeUInt16LE(BACKUP_BOOT_SECTOR, at + 50);
  buf[at + 64] = 0x80; // drive number
  buf[at + 66] = 0x29; // extended boot signature: the three fields below are valid
  buf.writeUInt32LE(volumeId >>> 0, at + 67);
  buf.write(label.padEnd(11, ' '), at + 71, 'latin1');
  buf.write('FAT32   ', at + 82, 'latin1');
  // Boot code: "int 18h" hands control back to the BIOS, then halt — the key is not bootable.
  buf.set([0xcd, 0x18, 0xf4, 0xeb, 0xfd], at + 0x5a);
  signSector(buf, at);
}

function encodeFsInfo(buf: Buffer, at: number, freeClusters: number, nextFree: number): void {
  buf.writeUInt32LE(0x41615252, at);
  buf.writeUInt32LE(0x61417272, at + 484);
  buf.writeUInt32LE(freeClusters, at + 488);
  buf.writeUInt32LE(nextFree, at + 492);
  buf.writeUInt32LE(0xaa550000, at + 508);
}

export interface ReservedRegionSpec {
  volumeId: number;
  label: string;
  freeClusters: number;
  /** First free cluster, 0xFFFFFFFF when the volume is full ("unknown"). */
  nextFree: number;
}

/**
 * The partition's reserved sectors: boot sector, FSInfo and the third boot sector Microsoft's
 * FAT32 boot code spans, the same three again at sector 6 as backup, zeros elsewhere.
 */
export function encodeReservedRegion(g: Geometry, spec: ReservedRegionSpec): Buffer {
  const buf = Buffer.alloc(g.reservedSectors * SECTOR_BYTES);
  for (const first of [0, BACKUP_BOOT_SECTOR]) {
    encodeBootSector(buf, first * SECTOR_BYTES, g, spec.volumeId, spec.label);
    encodeFsInfo(buf, (first + FSINFO_SECTOR) * SECTOR_BYTES, spec.freeClusters, spec.nextFree);
    signSector(buf, (first + 2) * SECTOR_BYTES);
  }
  return buf;
}
