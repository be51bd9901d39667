import type { Drive } from 'drivelist';
import { describe, expect, it } from 'vitest';
import {
  DriveInfo,
  listDrives,
  speedFromBcdUsb,
  speedFromMbps,
  toDriveInfo,
  type DriveFacts,
} from '../../src/core/drives/index.js';
import { linkSpeed, usbDevices } from '../../src/core/drives/usb-link.js';
import { GIB, sh } from './block-tools.js';

const NO_FACTS: DriveFacts = { usb: null, usbSpeed: 'unknown', backsSystem: false, extraMountpoints: [] };

/** A drivelist entry as its Windows and Linux enumerators report it. */
function drive(over: Partial<Drive>): Drive {
  return {
    blockSize: 512,
    busType: 'USB',
    busVersion: null,
    description: 'Key',
    device: '/dev/sdx',
    devicePath: null,
    enumerator: 'USBSTOR',
    error: null,
    isCard: null,
    isReadOnly: false,
    isRemovable: true,
    isSCSI: false,
    isSystem: false,
    isUAS: null,
    isUSB: true,
    isVirtual: false,
    logicalBlockSize: 512,
    mountpoints: [],
    raw: '/dev/sdx',
    size: 64 * GIB,
    partitionTableType: 'mbr',
    ...over,
  };
}

describe('listDrives on this machine', () => {
  it.runIf(process.platform === 'linux')(
    'lists the root disk as a system drive and never offers it',
    async () => {
      const drives = await listDrives();
      expect(() => DriveInfo.array().parse(drives)).not.toThrow();
      const source = await sh('findmnt', '-no', 'SOURCE', '/');
      const parent = await sh('lsblk', '-no', 'PKNAME', source).catch(() => '');
      const rootDisk = parent ? `/dev/${parent.split('\n')[0]}` : source;
      const root = drives.find((d) => d.device === rootDisk);
      expect(root).toMatchObject({ isSystem: true, offered: false, refusal: { code: 'system' } });
      expect(drives.filter((d) => d.offered).map((d) => d.id)).not.toContain(rootDisk);
      // No USB bus here: nothing can claim a link speed.
      for (const d of drives) if (!d.isUSB) expect(d.usbSpeed).toBe('unknown');
    },
  );

  it('reads the USB bus without failing where there is none', async () => {
    expect(Array.isArray(await usbDevices())).toBe(true);
  });
});

describe('USB keys as drivelist reports them', () => {
  it('recognises a Windows UASP key that reports itself fixed and "system" as an offered USB key', () => {
    const info = toDriveInfo(
      drive({
        enumerator: 'SCSI',
        busType: 'USB',
        // drivelist's typings say null; its Windows enumerator sets a boolean.
        isUAS: true as unknown as null,
        isUSB: false,
        isRemovable: false,
        isSystem: true,
      }),
      NO_FACTS,
    );
    expect(info).toMatchObject({ isUSB: true, isUASP: true, isSystem: false, offered: true, refusal: null });
  });

  it('recognises a Linux key driven by `uas` that reports non-removable', () => {
    const usb = {
      driver: 'uas',
      vendorId: 0x0781,
      productId: 0x5583,
      serial: 'X',
      busNumber: 2,
      deviceAddress: 3,
      speedMbps: 5000,
    };
    const info = toDriveInfo(
      drive({
        busType: 'UNKNOWN',
        isUSB: null,
        isRemovable: false,
        isSystem: true,
        enumerator: 'lsblk:json',
      }),
      { ...NO_FACTS, usb, usbSpeed: 'usb3' },
    );
    expect(info).toMatchObject({ isUSB: true, isUASP: true, offered: true, usbSpeed: 'usb3' });
  });

  it('never offers internal, virtual, read-only, tiny or system-mounted disks', () => {
    const sata = toDriveInfo(
      drive({ busType: 'SATA', isUSB: false, isRemovable: false, isSystem: true }),
      NO_FACTS,
    );
    expect(sata.refusal?.code).toBe('system');
    const data = toDriveInfo(drive({ busType: 'SATA', isUSB: false, isRemovable: false }), NO_FACTS);
    expect(data.refusal?.code).toBe('not-removable');
    expect(
      toDriveInfo(drive({ busType: 'VIRTUAL', isUSB: false, isVirtual: true }), NO_FACTS).refusal?.code,
    ).toBe('virtual');
    expect(toDriveInfo(drive({ isReadOnly: true }), NO_FACTS).refusal?.code).toBe('read-only');
    expect(toDriveInfo(drive({ size: 100 * 1024 * 1024 }), NO_FACTS).refusal?.code).toBe('too-small');
    expect(
      toDriveInfo(drive({ mountpoints: [{ path: '/boot', label: null }] }), NO_FACTS).refusal?.code,
    ).toBe('system');
    expect(toDriveInfo(drive({}), { ...NO_FACTS, backsSystem: true }).refusal?.code).toBe('system');
    // A key mounted where the desktop mounts keys is still offered.
    expect(
      toDriveInfo(drive({ mountpoints: [{ path: '/media/tech/KEY', label: 'KEY' }] }), NO_FACTS),
    ).toMatchObject({
      offered: true,
      label: 'KEY',
    });
  });
});

describe('USB link speed', () => {
  it('reads the speed from the descriptor the device answers at its current link', () => {
    expect(speedFromBcdUsb(0x0320)).toBe('usb3');
    expect(speedFromBcdUsb(0x0300)).toBe('usb3');
    // A USB 3 key on a USB 2 port answers 2.10.
    expect(speedFromBcdUsb(0x0210)).toBe('usb2');
    expect(speedFromBcdUsb(0x0110)).toBe('usb1');
    expect(speedFromMbps(10000)).toBe('usb3');
    expect(speedFromMbps(480)).toBe('usb2');
    expect(speedFromMbps(12)).toBe('usb1');
  });

  it('matches the libusb device by bus, address and ids, else the kernel figure, else says unknown', () => {
    const facts = {
      driver: 'usb-storage',
      vendorId: 1,
      productId: 2,
      serial: null,
      busNumber: 3,
      deviceAddress: 4,
      speedMbps: 480,
    };
    const same = { busNumber: 3, deviceAddress: 4, vendorId: 1, productId: 2, bcdUSB: 0x0320 };
    expect(linkSpeed(facts, [same])).toBe('usb3');
    expect(linkSpeed(facts, [{ ...same, vendorId: 9 }])).toBe('usb2');
    expect(linkSpeed({ ...facts, speedMbps: null }, [{ ...same, deviceAddress: 5 }])).toBe('unknown');
    expect(linkSpeed(null, [same])).toBe('unknown');
  });
});
