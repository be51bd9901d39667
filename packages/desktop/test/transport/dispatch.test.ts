import { describe, expect, it } from 'vitest';
import { PncError, type DesktopApi } from '@pnc/shared';
import { createDispatcher, settle, toErrorBody } from '../../src/core/rpc/dispatch.js';
import { createInMemoryApi } from './in-memory-api.js';

describe('createDispatcher', () => {
  it('passes the parsed input (defaults applied) to the method', async () => {
    const seen: unknown[] = [];
    const api: DesktopApi = {
      ...createInMemoryApi(),
      getConnection: async (input) => (seen.push(input), createInMemoryApi().getConnection({})),
    };
    await createDispatcher(api)('getConnection', undefined);
    expect(seen).toEqual([{}]);
  });

  it('catches an answer outside the contract in development, and lets it pass in production', async () => {
    const broken = {
      ...createInMemoryApi(),
      getConnection: async () => ({ serverUrl: 42 }),
    } as unknown as DesktopApi;
    const seen: unknown[] = [];
    const strict = createDispatcher(broken, {
      validateOutput: true,
      onUnexpectedError: (_m, e) => seen.push(e),
    });
    expect(await settle(strict, 'getConnection', {})).toEqual({
      ok: false,
      error: { code: 'INTERNAL', message: 'Unexpected error' },
    });
    expect(String(seen[0])).toMatch(/getConnection answered outside its contract/);
    const lenient = createDispatcher(broken, { validateOutput: false });
    expect(await settle(lenient, 'getConnection', {})).toEqual({ ok: true, result: { serverUrl: 42 } });
  });

  it('reports PncErrors as expected failures, not to the developer hook', async () => {
    const seen: unknown[] = [];
    const dispatch = createDispatcher(createInMemoryApi(), { onUnexpectedError: (_m, e) => seen.push(e) });
    expect(await settle(dispatch, 'checkVehicle', { vin: 'VF1' })).toMatchObject({
      ok: false,
      error: { code: 'VIN_TOO_SHORT', details: { length: 3 } },
    });
    expect(seen).toEqual([]);
  });
});

describe('toErrorBody', () => {
  it('keeps code, message and details of a PncError, even one that lost its class', () => {
    expect(toErrorBody(new PncError('NOT_FOUND', 'gone', { id: 1 }))).toEqual({
      code: 'NOT_FOUND',
      message: 'gone',
      details: { id: 1 },
    });
    expect(toErrorBody({ name: 'PncError', code: 'TIMEOUT', message: 'slow' })).toEqual({
      code: 'TIMEOUT',
      message: 'slow',
    });
  });

  it('says nothing about anything else: no message, no stack', () => {
    expect(toErrorBody(new Error('secret path /home/x'))).toEqual({
      code: 'INTERNAL',
      message: 'Unexpected error',
    });
    expect(toErrorBody({ name: 'PncError', code: 'MADE_UP', message: 'x' })).toEqual({
      code: 'INTERNAL',
      message: 'Unexpected error',
    });
    expect(toErrorBody('a string')).toEqual({ code: 'INTERNAL', message: 'Unexpected error' });
  });
});
