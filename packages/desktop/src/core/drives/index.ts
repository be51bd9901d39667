/** Drives: listing with safety verdicts, the write guards, hot-plug, USB link speed and safe eject. */
export { DriveInfo, DriveRefusal, DriveRefusalCode, UsbSpeed } from './drive-info.js';
export { listDrives, toDriveInfo, driveRefusal, type DriveFacts } from './list-drives.js';
export { assertWritableTarget, type CheckedTarget, type GuardOptions, type KeyTarget } from './guards.js';
export { openKeyTarget } from './open-key-target.js';
export { createDriveAccess, type OpenedKey } from './drive-access.js';
export { watchDrives, type HotplugSource, type WatchDrivesOptions } from './watch-drives.js';
export { ejectDrive, type EjectResult } from './eject.js';
export { speedFromBcdUsb, speedFromMbps } from './usb-link.js';
