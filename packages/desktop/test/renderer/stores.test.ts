import { describe, expect, it } from 'vitest';
import type { DesktopApi, EligibilityResult } from '@pnc/shared';
import { campaignsFirst } from '../../src/renderer/components/update-order.js';
import {
  connectionProblem,
  createConnectionStore,
  stepFor,
} from '../../src/renderer/stores/connection-store.js';
import { createVehicleStore, isVinComplete } from '../../src/renderer/stores/vehicle-store.js';
import { createInMemoryApi, KNOWN_VIN } from '../transport/in-memory-api.js';

async function signedInApi() {
  const api = createInMemoryApi();
  await api.connect({ url: 'plugnconnect:8080' });
  await api.signIn({ username: 'tech', password: 'workshop-2026' });
  return api;
}

describe('connection store', () => {
  it('walks the wizard: server, sign-in, password change, vehicle', async () => {
    const store = createConnectionStore(createInMemoryApi(), () => 1000);
    await store.getState().load();
    expect(store.getState().receivedAt).toBe(1000);
    expect(stepFor(store.getState().connection)).toBe('server');

    expect(await store.getState().connect('  plugnconnect:8080 ')).toBe(true);
    expect(store.getState().connection?.serverUrl).toBe('http://plugnconnect:8080');
    expect(stepFor(store.getState().connection)).toBe('signIn');

    expect(await store.getState().signIn('newcomer', 'first-access')).toBe(true);
    expect(stepFor(store.getState().connection)).toBe('signIn');
    expect(await store.getState().changePassword('first-access', 'a-long-new-password')).toBe(true);
    expect(stepFor(store.getState().connection)).toBe('vehicle');

    expect(await store.getState().signOut()).toBe(true);
    expect(stepFor(store.getState().connection)).toBe('signIn');
  });

  it('keeps a failed action as a code to translate, and clears it on the next one', async () => {
    const store = createConnectionStore(createInMemoryApi());
    await store.getState().connect('box.local');
    expect(await store.getState().signIn('tech', 'wrong')).toBe(false);
    expect(store.getState().failure).toMatchObject({ code: 'INVALID_CREDENTIALS' });
    expect(store.getState().pending).toBeNull();
    expect(await store.getState().signIn('tech', 'workshop-2026')).toBe(true);
    expect(store.getState().failure).toBeNull();
  });

  it('shows a server that does not answer as the connection’s own error, and a bug as INTERNAL', async () => {
    const store = createConnectionStore(createInMemoryApi());
    await store.getState().connect('unreachable.local');
    expect(connectionProblem(store.getState())).toMatchObject({ code: 'SERVER_UNREACHABLE' });
    await store.getState().connect('crash');
    expect(connectionProblem(store.getState())).toEqual({ code: 'INTERNAL', message: 'Unexpected error' });
  });

  it('does one action at a time', async () => {
    const store = createConnectionStore(createInMemoryApi());
    const first = store.getState().connect('a.local');
    expect(store.getState().pending).toBe('connect');
    expect(await store.getState().connect('b.local')).toBe(false);
    expect(await first).toBe(true);
    expect(store.getState().connection?.serverUrl).toBe('http://a.local');
  });

  it('follows the connection the core pushes, until disposed', async () => {
    const api = createInMemoryApi();
    const store = createConnectionStore(api);
    await api.connect({ url: 'pushed.local' });
    expect(store.getState().connection?.serverUrl).toBe('http://pushed.local');
    store.getState().dispose();
    expect(api.listenerCount()).toBe(0);
  });

  it('reports an agent that went away', async () => {
    const gone = {
      ...createInMemoryApi(),
      getConnection: () => Promise.reject(new TypeError('Failed to fetch')),
    } as DesktopApi;
    const store = createConnectionStore(gone);
    await store.getState().load();
    expect(store.getState().failure).toMatchObject({ code: 'INTERNAL' });
  });
});

describe('vehicle store', () => {
  it('normalises what is typed or scanned', async () => {
    const store = createVehicleStore(await signedInApi());
    store.getState().setVin('vf1 rja0-0567');
    expect(store.getState().vin).toBe('VF1RJA00567');
    expect(store.getState().problem).toBeNull();
    expect(isVinComplete(store.getState())).toBe(false);
    store.getState().setVin('vf1rja00567890123');
    expect(isVinComplete(store.getState())).toBe(true);
  });

  it('explains the first problem as typed, with its position', async () => {
    const store = createVehicleStore(await signedInApi());
    store.getState().setVin('VF1RJA00O');
    expect(store.getState().problem).toMatchObject({
      code: 'VIN_FORBIDDEN_LETTER',
      details: { position: 9, character: 'O' },
    });
    store.getState().setVin('VF1RJA00*');
    expect(store.getState().problem).toMatchObject({
      code: 'VIN_INVALID_CHARACTER',
      details: { position: 9, character: '*' },
    });
    store.getState().setVin(`${KNOWN_VIN}9`);
    expect(store.getState().problem).toMatchObject({ code: 'VIN_TOO_LONG', details: { length: 18 } });
    expect(isVinComplete(store.getState())).toBe(false);
  });

  it('answers Enter on an incomplete VIN with its message instead of a call', async () => {
    let calls = 0;
    const api = await signedInApi();
    const store = createVehicleStore({ ...api, checkVehicle: (i) => (calls++, api.checkVehicle(i)) });
    store.getState().setVin('VF1RJA');
    await store.getState().check();
    expect(store.getState().problem).toMatchObject({ code: 'VIN_TOO_SHORT', details: { length: 6 } });
    expect(calls).toBe(0);
  });

  it('checks a vehicle: registry record, campaigns first, the rest explained', async () => {
    const store = createVehicleStore(await signedInApi());
    store.getState().setVin(KNOWN_VIN);
    const checking = store.getState().check();
    expect(store.getState().status).toBe('checking');
    await checking;
    const { status, result } = store.getState();
    expect(status).toBe('done');
    expect(result?.vehicle).toMatchObject({ source: 'registry', model: 'CLIO5', headUnit: 'RLINK2' });
    expect(result?.eligible.map((u) => [u.packageId, u.reason])).toEqual([
      ['RL2-SOFT-11.2', 'CAMPAIGN_OPEN'],
      ['RL2-MAP-EU-12.1', 'UPDATE_AVAILABLE'],
    ]);
    expect(new Set(result?.notEligible.map((u) => u.reason))).toEqual(
      new Set(['SUPERSEDED', 'OTHER_MAP_REGION', 'OTHER_HEAD_UNIT']),
    );
  });

  it('drops an answer for a VIN that was changed meanwhile', async () => {
    const api = await signedInApi();
    let release: () => void = () => {};
    const slow: DesktopApi = {
      ...api,
      checkVehicle: (i) =>
        new Promise<EligibilityResult>((r) => (release = () => void api.checkVehicle(i).then(r))),
    };
    const store = createVehicleStore(slow);
    store.getState().setVin(KNOWN_VIN);
    const checking = store.getState().check();
    store.getState().setVin('UU1DJF00869123456');
    release();
    await checking;
    expect(store.getState()).toMatchObject({ status: 'idle', result: null, vin: 'UU1DJF00869123456' });
  });

  it('keeps a failure as a code, e.g. a session that ended', async () => {
    const store = createVehicleStore(createInMemoryApi());
    store.getState().setVin(KNOWN_VIN);
    await store.getState().check();
    expect(store.getState()).toMatchObject({ status: 'failed', failure: { code: 'SERVER_UNREACHABLE' } });
  });
});

describe('campaignsFirst', () => {
  it('puts open mandatory campaigns, then other open campaigns, before the rest, keeping the given order otherwise', () => {
    const u = (packageId: string, campaign?: { code: string; mandatory: boolean }, open = true) =>
      ({
        packageId,
        kind: 'SOFT',
        family: 'RLINK2',
        version: '1.0',
        title: { en: packageId },
        size: 1,
        fileCount: 1,
        reason: campaign && open ? 'CAMPAIGN_OPEN' : 'MODEL_LEVEL',
        certainty: 'vehicle',
        ...(campaign ? { campaign } : {}),
      }) as const;
    const ordered = campaignsFirst([
      u('a'),
      u('b', { code: 'OTS-1', mandatory: false }),
      // A campaign package on a vehicle whose campaigns are unknown is not put first.
      u('c', { code: 'OTS-3', mandatory: true }, false),
      u('d', { code: 'OTS-2', mandatory: true }),
    ]);
    expect(ordered.map((x) => x.packageId)).toEqual(['d', 'b', 'a', 'c']);
  });
});
