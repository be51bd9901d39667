import { request } from 'node:http';
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent } from '../../src/core/agent/index.js';
import { createInMemoryApi, type InMemoryApi } from './in-memory-api.js';
import { makeRendererDir, openAgentPath, readEventStream, type AgentPath } from './harness.js';

/** A raw request, for headers fetch will not let us forge (Host). */
function rawGet(
  port: number,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the local agent', () => {
  let api: InMemoryApi;
  let agent: AgentPath;
  let port: number;

  beforeAll(async () => {
    api = createInMemoryApi();
    agent = await openAgentPath(api, { heartbeatMs: 50 });
    port = Number(new URL(agent.origin).port);
  });
  afterAll(() => agent.close());

  it('prints a loopback address carrying a random token in the fragment', () => {
    expect(agent.agent.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=[A-Za-z0-9_-]{43}$/);
    expect(agent.agent.url.endsWith(agent.agent.token)).toBe(true);
  });

  it('serves the renderer: index.html for /, hashed assets as immutable, a strict CSP', async () => {
    const page = await fetch(`${agent.origin}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await page.text()).toContain('<div id="root">');
    const asset = await fetch(`${agent.origin}/assets/index-abc.js`);
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toContain('immutable');
  });

  it('serves nothing outside the renderer folder', async () => {
    for (const path of [
      '/../package.json',
      '/%2e%2e/package.json',
      '/assets/%2e%2e/%2e%2e/etc/passwd',
      '/nope.js',
      '/assets/',
    ]) {
      const res = await rawGet(port, path, { host: `127.0.0.1:${port}` });
      expect(res.status, path).toBe(404);
    }
  });

  it('wants the token on every call', async () => {
    const none = await fetch(`${agent.origin}/rpc/getConnection`, { method: 'POST' });
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ ok: false, error: { code: 'UNAUTHENTICATED' } });
    const wrong = await agent.post('getConnection', {}, { authorization: `Bearer ${'x'.repeat(43)}` });
    expect(wrong.status).toBe(401);
    // The query parameter is for EventSource only.
    const inQuery = await fetch(`${agent.origin}/rpc/getConnection?token=${agent.agent.token}`, {
      method: 'POST',
    });
    expect(inQuery.status).toBe(401);
    expect((await agent.post('getConnection', {})).status).toBe(200);
  });

  it('refuses calls from other web pages', async () => {
    const foreign = await agent.post('getConnection', {}, { origin: 'http://evil.example' });
    expect(foreign.status).toBe(403);
    expect(await foreign.json()).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect((await agent.post('getConnection', {}, { origin: 'null' })).status).toBe(403);
    expect((await agent.post('getConnection', {}, { origin: agent.origin })).status).toBe(200);
  });

  it('refuses a Host that is not the agent (DNS rebinding)', async () => {
    expect((await rawGet(port, '/', { host: `evil.example:${port}` })).status).toBe(403);
    expect((await rawGet(port, '/', { host: '127.0.0.1:1' })).status).toBe(403);
    expect((await rawGet(port, '/', { host: `localhost:${port}` })).status).toBe(200);
  });

  it('answers unreadable and oversized bodies with stable codes', async () => {
    const garbled = await agent.post('connect', undefined, { 'content-type': 'application/json' });
    expect(garbled.status).toBe(400);
    expect(await garbled.json()).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    const badJson = await fetch(`${agent.origin}/rpc/connect`, {
      method: 'POST',
      headers: { authorization: `Bearer ${agent.agent.token}`, 'content-type': 'application/json' },
      body: '{"url":',
    });
    expect(badJson.status).toBe(400);
    expect(await badJson.json()).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    const huge = await agent.post('connect', { url: 'x'.repeat(100_000) });
    expect(huge.status).toBe(413);
    expect(await huge.json()).toMatchObject({ ok: false, error: { code: 'BODY_TOO_LARGE' } });
  });

  it('streams events with ?token=, with heartbeats, and unsubscribes when the client leaves', async () => {
    expect((await fetch(`${agent.origin}/events`)).status).toBe(401);
    const data: string[] = [];
    const comments: string[] = [];
    const stop = readEventStream(
      `${agent.origin}/events?token=${agent.agent.token}`,
      (d) => data.push(d),
      (c) => comments.push(c),
    );
    await expect.poll(() => api.listenerCount()).toBe(1);
    await api.connect({ url: 'box.local' });
    await expect.poll(() => data.length).toBe(1);
    expect(JSON.parse(data[0]!)).toMatchObject({
      type: 'connection',
      state: { serverUrl: 'http://box.local' },
    });
    await expect.poll(() => comments.includes('heartbeat')).toBe(true);
    stop();
    await expect.poll(() => api.listenerCount()).toBe(0);
  });

  it('closes even while a browser keeps an event stream open', async () => {
    const other = await openAgentPath(createInMemoryApi());
    const stop = readEventStream(`${other.origin}/events?token=${other.agent.token}`, () => {});
    await new Promise((r) => setTimeout(r, 50));
    await other.close();
    stop();
    await expect(fetch(`${other.origin}/`)).rejects.toThrow();
  });

  it('refuses to start without a built renderer, or with a weak token', async () => {
    const dir = await makeRendererDir();
    await rm(`${dir}/index.html`);
    await expect(startAgent({ api, port: 0, rendererDir: dir })).rejects.toThrow(/renderer is not built/);
    await expect(startAgent({ api, port: 0, rendererDir: dir, token: 'short' })).rejects.toThrow(
      /at least 32/,
    );
    await rm(dir, { recursive: true, force: true });
  });
});
