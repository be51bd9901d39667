import { createStore, type StoreApi } from 'zustand/vanilla';
import {
  checkPartialVin,
  normalizeVin,
  parseVin,
  type ApiErrorBody,
  type DesktopApi,
  type EligibilityResult,
  type EligibleUpdate,
} from '@pnc/shared';
import { toApiError } from '../api/errors.js';

/** The contract's limit; longer input is kept (and reported too long) rather than cut silently. */
const MAX_INPUT = 64;

export interface VehicleStoreState {
  /** As typed, normalised: upper case, without the spaces and dashes scanners and people add. */
  vin: string;
  /** What is wrong with the VIN so far, or null while it can still become valid. */
  problem: ApiErrorBody | null;
  status: 'idle' | 'checking' | 'done' | 'failed';
  result: EligibilityResult | null;
  failure: ApiErrorBody | null;
  /** The updates chosen for the key (all eligible ones at first), by package id. */
  selected: string[];
  setVin(raw: string): void;
  toggleUpdate(packageId: string): void;
  /** Checks the VIN (Enter or the Check button); an incomplete VIN gets its message instead. */
  check(): Promise<void>;
}

export function isVinComplete(s: Pick<VehicleStoreState, 'vin' | 'problem'>): boolean {
  return s.vin.length === 17 && s.problem === null;
}

export function createVehicleStore(api: DesktopApi): StoreApi<VehicleStoreState> {
  return createStore<VehicleStoreState>()((set, get) => ({
    vin: '',
    problem: null,
    status: 'idle',
    result: null,
    failure: null,
    selected: [],
    toggleUpdate(packageId) {
      const { result, selected } = get();
      if (!result?.eligible.some((u) => u.packageId === packageId)) return;
      set({
        selected: selected.includes(packageId)
          ? selected.filter((id) => id !== packageId)
          : // Kept in the order the updates are listed.
            result.eligible.map((u) => u.packageId).filter((id) => id === packageId || selected.includes(id)),
      });
    },
    setVin(raw) {
      const vin = normalizeVin(raw).slice(0, MAX_INPUT);
      if (vin === get().vin) return;
      // Results belong to the VIN they were asked for: a new VIN clears them.
      set({
        vin,
        problem: checkPartialVin(vin)?.toJSON() ?? null,
        status: 'idle',
        result: null,
        failure: null,
        selected: [],
      });
    },
    async check() {
      const { vin, status } = get();
      if (status === 'checking') return;
      try {
        parseVin(vin);
      } catch (e) {
        set({ problem: toApiError(e) });
        return;
      }
      set({ status: 'checking', failure: null });
      try {
        const result = await api.checkVehicle({ vin });
        if (get().vin === vin)
          set({ status: 'done', result, selected: result.eligible.map((u) => u.packageId) });
      } catch (e) {
        if (get().vin !== vin) return;
        const error = toApiError(e);
        if (error.code.startsWith('VIN_')) set({ status: 'idle', problem: error });
        else set({ status: 'failed', failure: error });
      }
    },
  }));
}

/** The chosen updates, in the order listed. */
export function selectedUpdates(s: Pick<VehicleStoreState, 'result' | 'selected'>): EligibleUpdate[] {
  return s.result?.eligible.filter((u) => s.selected.includes(u.packageId)) ?? [];
}
