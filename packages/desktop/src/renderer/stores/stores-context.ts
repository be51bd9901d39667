import { createContext, useContext } from 'react';
import type { StoreApi } from 'zustand/vanilla';
import { useStore } from 'zustand';
import type { DesktopApi } from '@pnc/shared';
import { createConnectionStore, type ConnectionStoreState } from './connection-store.js';
import { createDrivesStore, type DrivesStoreState } from './drives-store.js';
import { createJobsStore, type JobsStoreState } from './jobs-store.js';
import { createKeysStore, type KeysStoreState } from './keys-store.js';
import { createNavStore, type NavStoreState } from './nav-store.js';
import { createSettingsStore, type SettingsStoreState } from './settings-store.js';
import { createVehicleStore, type VehicleStoreState } from './vehicle-store.js';

export interface Stores {
  connection: StoreApi<ConnectionStoreState>;
  vehicle: StoreApi<VehicleStoreState>;
  drives: StoreApi<DrivesStoreState>;
  jobs: StoreApi<JobsStoreState>;
  keys: StoreApi<KeysStoreState>;
  settings: StoreApi<SettingsStoreState>;
  nav: StoreApi<NavStoreState>;
}

/** One store per domain, each created from the typed API only. */
export function createStores(api: DesktopApi): Stores {
  return {
    connection: createConnectionStore(api),
    vehicle: createVehicleStore(api),
    drives: createDrivesStore(api),
    jobs: createJobsStore(api),
    keys: createKeysStore(api),
    settings: createSettingsStore(api),
    nav: createNavStore(),
  };
}

export const StoresContext = createContext<Stores | null>(null);

export function useStores(): Stores {
  const stores = useContext(StoresContext);
  if (stores === null) throw new Error('StoresContext is not provided');
  return stores;
}

export function useConnection<T>(select: (s: ConnectionStoreState) => T): T {
  return useStore(useStores().connection, select);
}

export function useVehicle<T>(select: (s: VehicleStoreState) => T): T {
  return useStore(useStores().vehicle, select);
}

export function useDrives<T>(select: (s: DrivesStoreState) => T): T {
  return useStore(useStores().drives, select);
}

export function useJobs<T>(select: (s: JobsStoreState) => T): T {
  return useStore(useStores().jobs, select);
}

export function useKeys<T>(select: (s: KeysStoreState) => T): T {
  return useStore(useStores().keys, select);
}

export function useSettings<T>(select: (s: SettingsStoreState) => T): T {
  return useStore(useStores().settings, select);
}

export function useNav<T>(select: (s: NavStoreState) => T): T {
  return useStore(useStores().nav, select);
}

/** Back to the vehicle step for the next car: the VIN, the chosen keys and the finished write are cleared. */
export function useNextVehicle(): () => void {
  const stores = useStores();
  return () => {
    stores.vehicle.getState().setVin('');
    stores.jobs.getState().reset();
    stores.drives.getState().clearSelection();
    stores.nav.getState().restart();
  };
}
