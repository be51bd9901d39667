const STORAGE_KEY = 'pnc.agentToken';

export interface TokenPlaces {
  location: { hash: string; pathname: string; search: string };
  storage: { getItem(key: string): string | null; setItem(key: string, value: string): void };
  history: { replaceState(data: unknown, unused: string, url: string): void };
}

/**
 * The agent's token: given once in the URL fragment (never sent to a server, not in the agent's
 * logs), kept for this tab so a reload still works, and wiped from the address bar so it is not
 * copied along with the URL or left in the history.
 */
export function takeAgentToken({ location, storage, history }: TokenPlaces): string | null {
  const fromHash = new URLSearchParams(location.hash.replace(/^#/, '')).get('token');
  if (fromHash) {
    storage.setItem(STORAGE_KEY, fromHash);
    history.replaceState(null, '', `${location.pathname}${location.search}`);
    return fromHash;
  }
  return storage.getItem(STORAGE_KEY);
}
