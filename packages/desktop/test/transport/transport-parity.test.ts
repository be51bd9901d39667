import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { desktopApiContract, isPncError, type DesktopEvent, type ErrorCode } from '@pnc/shared';
import { createInMemoryApi, KNOWN_VIN, serverInfo, type InMemoryApi } from './in-memory-api.js';
import { openAgentPath, openIpcPath, type AgentPath, type IpcPath } from './harness.js';

type Outcome =
  { ok: true; result: unknown } | { ok: false; error: { code: string; message: string; details?: unknown } };

interface Case {
  name: string;
  method: string;
  input: unknown;
  /** 'ok', or the error code both transports must give. */
  expect: 'ok' | ErrorCode;
  status: number;
}

/**
 * The same calls over both transports; each must give the same answer or the same error. In
 * order: each side has its own api, and the calls take both through the same states.
 */
const cases: Case[] = [
  { name: 'reads the connection', method: 'getConnection', input: {}, expect: 'ok', status: 200 },
  { name: 'defaults an absent input', method: 'getConnection', input: undefined, expect: 'ok', status: 200 },
  {
    name: 'refuses unknown fields',
    method: 'getConnection',
    input: { verbose: true },
    expect: 'VALIDATION_FAILED',
    status: 400,
  },
  { name: 'refuses a missing url', method: 'connect', input: {}, expect: 'VALIDATION_FAILED', status: 400 },
  {
    name: 'refuses an overlong url',
    method: 'connect',
    input: { url: 'x'.repeat(600) },
    expect: 'VALIDATION_FAILED',
    status: 400,
  },
  {
    name: 'hides a bug behind INTERNAL',
    method: 'connect',
    input: { url: 'crash' },
    expect: 'INTERNAL',
    status: 500,
  },
  {
    name: 'answers a failed connection as a state',
    method: 'connect',
    input: { url: 'unreachable.local' },
    expect: 'ok',
    status: 200,
  },
  {
    name: 'cannot sign in without a server',
    method: 'signIn',
    input: { username: 'tech', password: 'workshop-2026' },
    expect: 'SERVER_UNREACHABLE',
    status: 502,
  },
  { name: 'connects', method: 'connect', input: { url: 'plugnconnect:8080' }, expect: 'ok', status: 200 },
  {
    name: 'needs a signed-in user to check a vehicle',
    method: 'checkVehicle',
    input: { vin: KNOWN_VIN },
    expect: 'UNAUTHENTICATED',
    status: 401,
  },
  {
    name: 'refuses an empty password',
    method: 'signIn',
    input: { username: 'tech', password: '' },
    expect: 'VALIDATION_FAILED',
    status: 400,
  },
  {
    name: 'refuses a wrong password',
    method: 'signIn',
    input: { username: 'tech', password: 'nope' },
    expect: 'INVALID_CREDENTIALS',
    status: 401,
  },
  {
    name: 'signs in',
    method: 'signIn',
    input: { username: 'tech', password: 'workshop-2026' },
    expect: 'ok',
    status: 200,
  },
  {
    name: 'checks a known vehicle',
    method: 'checkVehicle',
    input: { vin: KNOWN_VIN },
    expect: 'ok',
    status: 200,
  },
  {
    name: 'checks a VIN as scanned (spaces, lower case)',
    method: 'checkVehicle',
    input: { vin: 'vf1 rja0-0567890123' },
    expect: 'ok',
    status: 200,
  },
  {
    name: 'decodes an unknown vehicle',
    method: 'checkVehicle',
    input: { vin: 'UU1DJF00869123456' },
    expect: 'ok',
    status: 200,
  },
  {
    name: 'names a forbidden letter',
    method: 'checkVehicle',
    input: { vin: 'VF1RJA00I67890123' },
    expect: 'VIN_FORBIDDEN_LETTER',
    status: 400,
  },
  {
    name: 'says a VIN is too short',
    method: 'checkVehicle',
    input: { vin: 'VF1RJA' },
    expect: 'VIN_TOO_SHORT',
    status: 400,
  },
  {
    name: 'refuses a VIN that is not a string',
    method: 'checkVehicle',
    input: { vin: 17 },
    expect: 'VALIDATION_FAILED',
    status: 400,
  },
  {
    name: 'refuses a null input',
    method: 'checkVehicle',
    input: null,
    expect: 'VALIDATION_FAILED',
    status: 400,
  },
  { name: 'signs out', method: 'signOut', input: {}, expect: 'ok', status: 200 },
  {
    name: 'signs in with a one-time password',
    method: 'signIn',
    input: { username: 'newcomer', password: 'first-access' },
    expect: 'ok',
    status: 200,
  },
  {
    name: 'asks for the password change first',
    method: 'checkVehicle',
    input: { vin: KNOWN_VIN },
    expect: 'PASSWORD_CHANGE_REQUIRED',
    status: 403,
  },
];

const unknownMethods = [
  'deleteEverything',
  'onEvent',
  '__proto__',
  'toString',
  'constructor',
  'hasOwnProperty',
];

describe('the desktop API over Electron IPC and over the local agent', () => {
  let ipc: IpcPath;
  let agent: AgentPath;
  let agentSideApi: InMemoryApi;
  const unexpected: Array<{ transport: string; method: string; error: unknown }> = [];

  beforeAll(async () => {
    // One api per transport, so that state changed by one (connect) does not leak into the other.
    ipc = openIpcPath(createInMemoryApi(), (method, error) =>
      unexpected.push({ transport: 'ipc', method, error }),
    );
    agentSideApi = createInMemoryApi();
    agent = await openAgentPath(agentSideApi, {
      onUnexpectedError: (method, error) => unexpected.push({ transport: 'agent', method, error }),
    });
  });
  afterAll(async () => {
    ipc.unwire();
    await agent.close();
  });

  const outcome = async (client: Record<string, unknown>, c: Case): Promise<Outcome> => {
    try {
      return { ok: true, result: await (client[c.method] as (input: unknown) => Promise<unknown>)(c.input) };
    } catch (e) {
      expect(isPncError(e)).toBe(true);
      const { code, message, details } = e as { code: string; message: string; details?: unknown };
      return { ok: false, error: details === undefined ? { code, message } : { code, message, details } };
    }
  };

  for (const c of cases) {
    it(`${c.name} (${c.method}) — same outcome`, async () => {
      const viaIpc = await outcome(ipc.client as unknown as Record<string, unknown>, c);
      const viaAgent = await outcome(agent.client as unknown as Record<string, unknown>, c);
      expect(viaAgent).toEqual(viaIpc);
      if (c.expect === 'ok') {
        expect(viaIpc.ok).toBe(true);
        if (viaIpc.ok)
          expect(
            desktopApiContract[c.method as keyof typeof desktopApiContract].output.safeParse(viaIpc.result)
              .success,
          ).toBe(true);
      } else {
        expect(viaIpc).toMatchObject({ ok: false, error: { code: c.expect } });
      }
      // The raw envelopes match too, and the agent's HTTP status says whose fault it is.
      const response = await agent.post(c.method, c.input);
      expect(response.status).toBe(c.status);
      expect(await response.json()).toEqual(await ipc.invoke(c.method, c.input));
    });
  }

  it('gives the details a VIN message needs on both transports', async () => {
    const c = cases.find((x) => x.expect === 'VIN_FORBIDDEN_LETTER')!;
    const viaAgent = await outcome(agent.client as unknown as Record<string, unknown>, c);
    expect(viaAgent).toMatchObject({ ok: false, error: { details: { position: 9, character: 'I' } } });
  });

  it('never shows a bug to the caller, and tells the developer', async () => {
    const envelope = await ipc.invoke('connect', { url: 'crash' });
    expect(envelope).toEqual({ ok: false, error: { code: 'INTERNAL', message: 'Unexpected error' } });
    expect(JSON.stringify(envelope)).not.toMatch(/TypeError|baseUrl|at /);
    expect(unexpected.map((u) => u.transport).sort()).toEqual(expect.arrayContaining(['agent', 'ipc']));
    expect(unexpected.every((u) => u.method === 'connect' && u.error instanceof TypeError)).toBe(true);
  });

  for (const method of unknownMethods) {
    it(`refuses "${method}" as NOT_FOUND on both`, async () => {
      const viaIpc = await ipc.invoke(method, {});
      const response = await agent.post(method, {});
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual(viaIpc);
      expect(viaIpc).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    });
  }

  it('exposes exactly the contract methods and onEvent through the preload', () => {
    expect(Object.keys(ipc.client).sort()).toEqual([...Object.keys(desktopApiContract), 'onEvent'].sort());
  });

  it('pushes the same events to both', async () => {
    const fromIpc: DesktopEvent[] = [];
    const fromAgent: DesktopEvent[] = [];
    const stopIpc = ipc.client.onEvent((e) => fromIpc.push(e));
    const stopAgent = agent.client.onEvent((e) => fromAgent.push(e));
    // The agent's subscription is made when the event stream opens, a moment after onEvent.
    await expect.poll(() => agentSideApi.listenerCount()).toBe(1);
    await Promise.all([ipc.client.connect({ url: 'box.local' }), agent.client.connect({ url: 'box.local' })]);
    await expect.poll(() => fromAgent.length).toBe(1);
    stopIpc();
    stopAgent();
    expect(fromAgent[0]).toEqual(fromIpc[0]);
    expect(fromIpc).toEqual([
      {
        type: 'connection',
        state: {
          serverUrl: 'http://box.local',
          server: serverInfo,
          contentVerified: true,
          activity: null,
          user: null,
          error: null,
        },
      },
    ]);
    // Unsubscribing closes the stream, and the agent drops its subscription.
    await expect.poll(() => agentSideApi.listenerCount()).toBe(0);
  });
});
