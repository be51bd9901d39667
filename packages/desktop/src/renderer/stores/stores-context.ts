import { createContext, useContext } from 'react';
import type { StoreApi } from 'zustand/vanilla';
import { useStore } from 'zustand';
import type { ConnectionStoreState } from './connection-store.js';
import type { VehicleStoreState } from './vehicle-store.js';

export interface Stores {
  connection: StoreApi<ConnectionStoreState>;
  vehicle: StoreApi<VehicleStoreState>;
}

export const StoresContext = createContext<Stores | null>(null);

function useStores(): Stores {
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
