import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRoutes } from '@pnc/shared';
import { apiFixture, type ApiFixture } from '../helpers/api-fixture.js';

interface Operation {
  operationId: string;
  security: unknown[];
  parameters: Array<{ name: string; in: string; required: boolean }>;
  requestBody?: unknown;
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
}

describe('GET /api/v1/openapi.json', () => {
  let f: ApiFixture;
  let doc: {
    openapi: string;
    paths: Record<string, Record<string, Operation>>;
    components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
  };
  beforeAll(async () => {
    f = await apiFixture();
    const res = await f.app.inject({ url: '/api/v1/openapi.json' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    doc = JSON.parse(res.body) as typeof doc;
  }, 60_000);
  afterAll(() => f.close());

  it('is an OpenAPI 3.1 document with bearer security and the shared error body', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.components.securitySchemes.bearer).toEqual(
      expect.objectContaining({ type: 'http', scheme: 'bearer' }),
    );
    expect(doc.components.schemas.ApiErrorBody).toMatchObject({
      type: 'object',
      required: ['code', 'message'],
    });
  });

  it('describes every route of the contract', () => {
    for (const [key, def] of Object.entries(apiRoutes)) {
      const op = doc.paths[def.path]?.[def.method.toLowerCase()];
      expect(op, key).toBeDefined();
      expect(op!.operationId).toBe(key);
      expect(op!.security).toEqual(def.auth === 'none' ? [] : [{ bearer: [] }]);
      for (const name of def.path.match(/\{(\w+)\}/g) ?? []) {
        expect(op!.parameters, key).toContainEqual(
          expect.objectContaining({ name: name.slice(1, -1), in: 'path', required: true }),
        );
      }
      expect(Boolean(op!.requestBody), key).toBe('body' in def);
      expect(op!.responses.default?.content?.['application/json']?.schema).toEqual({
        $ref: '#/components/schemas/ApiErrorBody',
      });
    }
    expect(doc.paths['/api/v1/installations']!.get!.parameters.map((p) => p.name)).toEqual([
      'vin',
      'outcome',
      'from',
      'to',
      'limit',
    ]);
    expect(doc.paths['/api/v1/sync']!.post!.responses['202']).toBeDefined();
  });
});
