import { z } from 'zod';

/** Why a drive is not offered as a key, or why a target is refused. Stable: the UI translates them. */
export const DriveRefusalCode = z.enum([
  'system', // holds the OS, the app, its state or a swap area, or is mounted at a system path
  'partition', // a partition was given where a whole disk is needed
  'not-a-device', // neither a block device nor a regular file
  'not-found',
  'unknown-device', // a block device the OS does not list as a disk
  'protected-path', // an image path inside the OS, the app or its state
  'in-use', // backs another device, or its backing file lives on the target
  'mounted',
  'read-only',
  'not-removable',
  'virtual',
  'too-small',
  'not-fat32', // mounted mode: the key's file system is not FAT32
]);
export type DriveRefusalCode = z.infer<typeof DriveRefusalCode>;

export const DriveRefusal = z.object({ code: DriveRefusalCode, reason: z.string() });
export type DriveRefusal = z.infer<typeof DriveRefusal>;

/** Link speed of the USB port the key sits on; 'unknown' whenever it cannot be matched for certain. */
export const UsbSpeed = z.enum(['usb1', 'usb2', 'usb3', 'unknown']);
export type UsbSpeed = z.infer<typeof UsbSpeed>;

/** One whole disk as the key step shows it: plain data, safe to send over IPC or JSON. */
export const DriveInfo = z.object({
  /** Stable while the drive stays plugged: its device path. */
  id: z.string(),
  /** The raw path to open for writing (`/dev/sdb`, `/dev/rdisk4`, `\\.\PhysicalDrive2`). */
  device: z.string(),
  size: z.number().int().nonnegative(),
  /** The first volume label found, if any. */
  label: z.string().nullable(),
  description: z.string(),
  mountpoints: z.array(z.string()),
  busType: z.string(),
  isUSB: z.boolean(),
  /** USB Attached SCSI: fast USB 3 keys, which often report themselves as fixed disks. */
  isUASP: z.boolean(),
  isRemovable: z.boolean(),
  isSystem: z.boolean(),
  isReadOnly: z.boolean(),
  isVirtual: z.boolean(),
  usbSpeed: UsbSpeed,
  /** True when the key step may offer it; otherwise `refusal` says why. */
  offered: z.boolean(),
  refusal: DriveRefusal.nullable(),
});
export type DriveInfo = z.infer<typeof DriveInfo>;
