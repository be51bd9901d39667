import type { EligibleUpdate } from '@pnc/shared';

/** Campaigns first, mandatory ones before the others; otherwise the order the core gave. */
export function campaignsFirst(updates: readonly EligibleUpdate[]): EligibleUpdate[] {
  const rank = (u: EligibleUpdate) => (u.campaign ? (u.campaign.mandatory ? 0 : 1) : 2);
  return [...updates].sort((a, b) => rank(a) - rank(b));
}
