import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ApiErrorBody, apiRoutes, type RouteDef } from '@pnc/shared';
import type { AppDeps } from '../context.js';

type JsonSchema = Record<string, unknown>;

/** JSON Schema 2020-12 (what OpenAPI 3.1 uses); requests are described as clients send them. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

/** Path or query parameters from an object schema, one OpenAPI parameter per property. */
function parameters(schema: z.ZodType | undefined, where: 'path' | 'query'): JsonSchema[] {
  if (!schema) return [];
  const s = jsonSchema(schema, 'input');
  const props = (s.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((s.required ?? []) as string[]);
  return Object.entries(props).map(([name, p]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    schema: p,
  }));
}

/** Status codes routes answer with besides 200. */
const SUCCESS_STATUS: Partial<Record<keyof typeof apiRoutes, string>> = {
  createUser: '201',
  postInstallation: '201',
  syncNow: '202',
  logout: '204',
};

function operation(key: string, def: RouteDef): JsonSchema {
  const status = SUCCESS_STATUS[key as keyof typeof apiRoutes] ?? '200';
  const success = def.response
    ? { description: 'OK', content: { 'application/json': { schema: jsonSchema(def.response, 'output') } } }
    : status === '204'
      ? { description: 'No content' }
      : {
          description: 'The bytes, as stored or as signed',
          content: {
            'application/octet-stream': {
              schema: { type: 'string', contentMediaType: 'application/octet-stream' },
            },
          },
        };
  return {
    operationId: key,
    summary: def.summary,
    'x-required-role': def.auth,
    security: def.auth === 'none' ? [] : [{ bearer: [] }],
    parameters: [...parameters(def.params, 'path'), ...parameters(def.query, 'query')],
    ...(def.body
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: jsonSchema(def.body, 'input') } },
          },
        }
      : {}),
    responses: {
      [status]: success,
      default: {
        description: 'Error, with a stable code',
        content: { 'application/json': { schema: { $ref: '#/components/schemas/ApiErrorBody' } } },
      },
    },
  };
}

/** The OpenAPI 3.1 document of the LAN API, generated from the one contract table. */
export function openApiDocument(version: string): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const [key, def] of Object.entries(apiRoutes) as Array<[string, RouteDef]>) {
    (paths[def.path] ??= {})[def.method.toLowerCase()] = operation(key, def);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: "Plug'nConnect SRV LAN API",
      version,
      description: 'The dealer box API used by workstations and the status page.',
    },
    servers: [{ url: '/' }],
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'Token from POST /api/v1/auth/login' },
      },
      schemas: { ApiErrorBody: jsonSchema(ApiErrorBody, 'output') },
    },
  };
}

export function openApiRoutes(app: FastifyInstance, deps: AppDeps): void {
  const doc = openApiDocument(deps.version);
  app.get('/api/v1/openapi.json', { config: { auth: 'none' } }, async () => doc);
}
