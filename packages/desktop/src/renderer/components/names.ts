import type { Brand, HeadUnitFamily } from '@pnc/shared';

/** Trade names: the same in every language. */
export const HEAD_UNIT_NAMES: Record<HeadUnitFamily, string> = {
  RLINK2: 'R-LINK2',
  EASYLINK: 'Easy-Link',
  OPENRLINK: 'Open R-Link',
};

export const BRAND_NAMES: Record<Brand, string> = {
  RENAULT: 'Renault',
  DACIA: 'Dacia',
  ALPINE: 'Alpine',
  NISSAN: 'Nissan',
  MITSUBISHI: 'Mitsubishi',
};
