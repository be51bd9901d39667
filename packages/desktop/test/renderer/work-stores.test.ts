import { describe, expect, it } from 'vitest';
import type { JobState, KeyRecord } from '@pnc/shared';
import { choiceProblem, createDrivesStore, keyChoices, MAX_KEYS, selectedChoices } from '../../src/renderer/stores/drives-store.js';
import { createJobsStore, isFinished, jobProgress, keyOutcomes } from '../../src/renderer/stores/jobs-store.js';
import { awaitingKeys, createKeysStore } from '../../src/renderer/stores/keys-store.js';
import { createSettingsStore, estimateKeySeconds } from '../../src/renderer/stores/settings-store.js';
import { createVehicleStore, selectedUpdates } from '../../src/renderer/stores/vehicle-store.js';
import { createInMemoryApi, drives, KNOWN_VIN } from '../transport/in-memory-api.js';

async function signedInApi() {
  const api = createInMemoryApi();
  await api.connect({ url: 'plugnconnect:8080' });
  await api.signIn({ username: 'tech', password: 'workshop-2026' });
  return api;
}

describe('vehicle store: the updates chosen for the key', () => {
  it('chooses every eligible update at first, and toggles them in list order', async () => {
    const store = createVehicleStore(await signedInApi());
    store.getState().setVin(KNOWN_VIN);
    await store.getState().check();
    expect(store.getState().selected).toEqual(['RL2-SOFT-11.2', 'RL2-MAP-EU-12.1']);
    store.getState().toggleUpdate('RL2-SOFT-11.2');
    expect(selectedUpdates(store.getState()).map((u) => u.packageId)).toEqual(['RL2-MAP-EU-12.1']);
    store.getState().toggleUpdate('RL2-SOFT-11.2');
    expect(store.getState().selected).toEqual(['RL2-SOFT-11.2', 'RL2-MAP-EU-12.1']);
    store.getState().toggleUpdate('EL-SOFT-5.4'); // not eligible: ignored
    expect(store.getState().selected).toHaveLength(2);
    store.getState().setVin('');
    expect(store.getState().selected).toEqual([]);
  });
});

describe('drives store', () => {
  it('lists drives, follows plug events, and forgets a chosen key that was pulled out', async () => {
    const api = createInMemoryApi();
    const store = createDrivesStore(api);
    await store.getState().load();
    expect(keyChoices(store.getState()).map((c) => c.id)).toEqual(['device:/dev/sdb', 'device:/dev/nvme0n1']);
    store.getState().toggle('device:/dev/sdb');
    expect(selectedChoices(store.getState()).map((c) => c.target)).toEqual([{ kind: 'device', device: '/dev/sdb' }]);
    api.emit({ type: 'drives', drives: drives.slice(1) });
    expect(store.getState().selected).toEqual([]);
    store.getState().dispose();
    expect(api.listenerCount()).toBe(0);
  });

  it('says why a key cannot be chosen: refused by the core, or too small by so much', () => {
    const [usb, system] = keyChoices({ drives, images: [] });
    expect(choiceProblem(system!, 1)).toEqual({ code: 'DRIVE_REFUSED' });
    expect(choiceProblem(usb!, 1_000)).toBeNull();
    expect(choiceProblem(usb!, usb!.size + 5)).toEqual({ code: 'too-small', missingBytes: 5 });
  });

  it('adds image targets with a full path and a size, up to the most keys one write takes', () => {
    const store = createDrivesStore(createInMemoryApi());
    expect(store.getState().addImage('relative.img', 8e9)).toBe(false);
    expect(store.getState().addImage('/srv/keys/a.img', 0)).toBe(false);
    for (let i = 0; i < MAX_KEYS + 1; i++) expect(store.getState().addImage(`/srv/keys/${i}.img`, 8e9)).toBe(true);
    expect(store.getState().selected).toHaveLength(MAX_KEYS);
    store.getState().removeImage('/srv/keys/0.img');
    expect(store.getState().selected).not.toContain('image:/srv/keys/0.img');
    expect(selectedChoices(store.getState())[0]?.target).toEqual({ kind: 'image', path: '/srv/keys/1.img', size: 8e9 });
  });
});

describe('jobs store', () => {
  it('starts a write, follows only its own events, and cancels it', async () => {
    const api = await signedInApi();
    let t = 0;
    const store = createJobsStore(api, () => ++t);
    const ok = await store.getState().start({
      vin: KNOWN_VIN,
      packageIds: ['RL2-SOFT-11.2'],
      targets: [{ kind: 'image', path: '/srv/keys/a.img', size: 8e9 }],
      eraseConfirmed: true,
    });
    expect(ok).toBe(true);
    const job = store.getState().job!;
    api.emit({ type: 'job', job: { ...job, jobId: 'someone-else', phase: 'done' } });
    expect(store.getState().job?.phase).toBe('preparing');
    api.emit({ type: 'job', job: { ...job, phase: 'writing', bytesDone: 10 } });
    expect(store.getState().job).toMatchObject({ phase: 'writing', bytesDone: 10 });
    await store.getState().cancel();
    expect(isFinished(store.getState().job)).toBe(true);
    expect(store.getState().job?.error?.code).toBe('WRITE_CANCELLED');
  });

  it('keeps a refusal as a code, e.g. erasing a device without the confirmation', async () => {
    const store = createJobsStore(await signedInApi());
    const ok = await store.getState().start({
      vin: KNOWN_VIN,
      packageIds: ['RL2-SOFT-11.2'],
      targets: [{ kind: 'device', device: '/dev/sdb' }],
      eraseConfirmed: false,
    });
    expect(ok).toBe(false);
    expect(store.getState().failure?.code).toBe('VALIDATION_FAILED');
  });

  it('never moves the bar backwards from writing to the read-back, and tells good keys from bad', () => {
    const job = (phase: JobState['phase'], bytesDone: number): JobState =>
      ({ phase, bytesDone, bytesTotal: 100, keys: [] }) as unknown as JobState;
    const steps = [job('preparing', 0), job('writing', 50), job('writing', 100), job('verifying', 0), job('verifying', 60), job('done', 100)];
    const values = steps.map(jobProgress);
    expect([...values].sort((a, b) => a - b)).toEqual(values);
    expect(values.at(-1)).toBe(1);
    const finished = {
      phase: 'done',
      keys: [
        { label: 'a', phase: 'done', bytesDone: 1, error: null, keyId: 'k1' },
        { label: 'b', phase: 'failed', bytesDone: 0, error: { code: 'WRITE_FAILED', message: 'x' }, keyId: null },
      ],
    } as unknown as JobState;
    expect(keyOutcomes(finished).good.map((k) => k.keyId)).toEqual(['k1']);
    expect(keyOutcomes(finished).bad.map((k) => k.label)).toEqual(['b']);
  });
});

describe('keys store', () => {
  const record: KeyRecord = {
    keyId: 'key-1',
    vin: KNOWN_VIN,
    headUnit: 'RLINK2',
    packages: [{ id: 'RL2-SOFT-11.2', kind: 'SOFT', version: '11.2.0', title: { en: 'R-LINK2 software 11.2' } }],
    target: '/srv/keys/a.img',
    writtenAt: '2026-11-24T09:40:00Z',
    status: 'awaiting-confirmation',
    confirmation: null,
  };

  it('lists the keys awaiting confirmation as the core pushes them, and records a failure with its reason', async () => {
    const api = await signedInApi();
    const store = createKeysStore(api);
    await store.getState().load();
    api.addKey(record);
    expect(awaitingKeys(store.getState().keys).map((k) => k.keyId)).toEqual(['key-1']);
    expect(await store.getState().confirm('key-1', 'FAILURE', 'KEY_NOT_RECOGNISED', '  port damaged ')).toBe(true);
    expect(store.getState().keys[0]).toMatchObject({
      status: 'failed',
      confirmation: { outcome: 'FAILURE', failureReason: 'KEY_NOT_RECOGNISED', note: 'port damaged', acknowledged: true },
    });
    expect(awaitingKeys(store.getState().keys)).toEqual([]);
    expect(await store.getState().confirm('nope', 'SUCCESS')).toBe(false);
    expect(store.getState().failure?.code).toBe('NOT_FOUND');
  });
});

describe('settings store and the estimated key time', () => {
  it('saves settings and measures the link', async () => {
    const store = createSettingsStore(await signedInApi());
    await store.getState().load();
    expect(await store.getState().update({ language: 'it', cacheMaxBytes: 5e9 })).toBe(true);
    expect(store.getState().settings).toMatchObject({ language: 'it', cacheMaxBytes: 5e9 });
    await store.getState().measure();
    expect(store.getState().link?.lanBytesPerSecond).toBe(112_000_000);
  });

  it('estimates from the last key when known, else from the LAN and a typical USB 3 key', () => {
    const at = '2026-11-24T09:30:00Z';
    expect(estimateKeySeconds(1e9, null)).toBeNull();
    expect(estimateKeySeconds(1e9, { lanBytesPerSecond: 100e6, lastKeyBytesPerSecond: 50e6, measuredAt: at })).toBe(20);
    // Gigabit LAN: the key is the bottleneck (60 MB/s), plus the read-back (150 MB/s).
    expect(estimateKeySeconds(6e9, { lanBytesPerSecond: 112e6, lastKeyBytesPerSecond: null, measuredAt: at })).toBe(140);
    // 100 Mb/s LAN: the network is.
    expect(estimateKeySeconds(6e9, { lanBytesPerSecond: 11e6, lastKeyBytesPerSecond: null, measuredAt: at })).toBeCloseTo(585.45, 1);
  });
});

describe('jobs store and an immediate answer', () => {
  it('keeps the end of a write that was reported before startWrite answered', async () => {
    const api = await signedInApi();
    const quick = {
      ...api,
      startWrite: async (input: Parameters<typeof api.startWrite>[0]) => {
        const job = await api.startWrite(input);
        // The core refuses the key at once and says so before the call returns.
        api.emit({ type: 'job', job: { ...job, phase: 'failed', error: { code: 'FAT32_VOLUME_TOO_SMALL', message: 'x' } } });
        return job;
      },
    };
    const store = createJobsStore(quick);
    await store.getState().start({
      vin: KNOWN_VIN,
      packageIds: ['RL2-SOFT-11.2'],
      targets: [{ kind: 'image', path: '/srv/keys/a.img', size: 3e8 }],
      eraseConfirmed: true,
    });
    expect(store.getState().job?.phase).toBe('failed');
  });
});
