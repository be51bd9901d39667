import type { EligibleUpdate } from '@pnc/shared';

/** Whether an open campaign asks for this update on this vehicle (not merely a campaign package). */
export function isOpenCampaign(u: EligibleUpdate): boolean {
  return u.reason === 'CAMPAIGN_OPEN' && u.campaign !== undefined;
}

/** Open campaigns first, mandatory ones before the others; otherwise the order the core gave. */
export function campaignsFirst(updates: readonly EligibleUpdate[]): EligibleUpdate[] {
  const rank = (u: EligibleUpdate) => (isOpenCampaign(u) ? (u.campaign?.mandatory ? 0 : 1) : 2);
  return [...updates].sort((a, b) => rank(a) - rank(b));
}
