import type * as usbModule from 'usb';
import type { UsbSpeed } from './drive-info.js';
import type { UsbFacts } from './linux-block.js';

type UsbModule = typeof usbModule;

let loading: Promise<UsbModule | null> | undefined;

/**
 * The `usb` module, or null where its native part cannot load or libusb cannot start (no USB bus
 * in a container, a locked-down workstation): drives are then listed without link speeds.
 */
export function loadUsb(): Promise<UsbModule | null> {
  loading ??= import('usb')
    .then((m) => ((m.usb as { INIT_ERROR?: unknown }).INIT_ERROR ? null : m))
    .catch(() => null);
  return loading;
}

export interface UsbDeviceSummary {
  busNumber: number;
  deviceAddress: number;
  vendorId: number;
  productId: number;
  bcdUSB: number;
}

/** What libusb sees on the bus now; empty when it is unavailable. */
export async function usbDevices(): Promise<UsbDeviceSummary[]> {
  const usb = await loadUsb();
  if (!usb) return [];
  try {
    return usb.getDeviceList().map((d) => ({
      busNumber: d.busNumber,
      deviceAddress: d.deviceAddress,
      vendorId: d.deviceDescriptor.idVendor,
      productId: d.deviceDescriptor.idProduct,
      bcdUSB: d.deviceDescriptor.bcdUSB,
    }));
  } catch {
    return [];
  }
}

/**
 * A device reports the USB release it is running at: a USB 3 key on a USB 2 port enumerates at
 * high speed and answers bcdUSB 2.10, so the descriptor tells the link, not only the key's kind.
 */
export function speedFromBcdUsb(bcdUSB: number): UsbSpeed {
  if (bcdUSB >= 0x0300) return 'usb3';
  if (bcdUSB >= 0x0200) return 'usb2';
  return 'usb1';
}

/** The kernel's negotiated speed in Mbit/s (Linux /sys `speed`). */
export function speedFromMbps(mbps: number): UsbSpeed {
  if (mbps >= 5000) return 'usb3';
  if (mbps >= 480) return 'usb2';
  return 'usb1';
}

/**
 * The link speed of the USB device behind a disk: the libusb device with the same bus number and
 * address (and ids, so a re-used address is not mistaken), else the kernel's own figure.
 * 'unknown' when neither matches — never a guess from a look-alike device.
 */
export function linkSpeed(facts: UsbFacts | null, devices: readonly UsbDeviceSummary[]): UsbSpeed {
  if (!facts) return 'unknown';
  const match = devices.find(
    (d) =>
      d.busNumber === facts.busNumber &&
      d.deviceAddress === facts.deviceAddress &&
      d.vendorId === facts.vendorId &&
      d.productId === facts.productId,
  );
  if (match) return speedFromBcdUsb(match.bcdUSB);
  return facts.speedMbps !== null ? speedFromMbps(facts.speedMbps) : 'unknown';
}
