import { STATUS_CODES } from 'node:http';
import type { RequestHandler } from 'express';
import { z } from 'zod';
import { SESSION_COOKIE } from '../auth/auth.middleware.ts';
import { ACCESS_RULES } from '../auth/access.policy.ts';
import { errorBodySchema, type RawBody, type RouteContract } from './common.ts';
import { ROUTES } from './index.ts';

/**
 * The OpenAPI 3.1 document of /api/v1, generated from the contract's zod schemas (JSON Schema 2020-12, as OpenAPI
 * 3.1 uses it): request schemas as the server accepts them (`io: 'input'`), response schemas as it sends them.
 * Served publicly at GET /api/v1/openapi.json; who may call each operation is in `x-escucha-access`.
 */

type JsonSchema = Record<string, unknown>;

export function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io,
    unrepresentable: 'any',
  }) as JsonSchema;
  return rest;
}

/** `/calls/:id/audio` → `/calls/{id}/audio`. */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

const ERROR = { $ref: '#/components/schemas/Error' };

function isRaw(r: z.ZodType | RawBody): r is RawBody {
  return 'raw' in r;
}

function rawContent(raw: RawBody['raw']): Record<string, unknown> | undefined {
  if (raw === 'audio') return { 'audio/*': { schema: { type: 'string', contentMediaType: 'audio/*' } } };
  if (raw === 'csv') return { 'text/csv': { schema: { type: 'string' } } };
  if (raw === 'events') return { 'text/event-stream': { schema: { type: 'string' } } };
  return undefined;
}

function parameters(r: RouteContract): unknown[] {
  const out: unknown[] = [];
  const add = (where: 'path' | 'query', shape: Record<string, z.ZodType>) => {
    for (const [name, schema] of Object.entries(shape)) {
      const s = jsonSchema(schema, 'input');
      const { description, ...rest } = s;
      out.push({
        name,
        in: where,
        required: where === 'path' || !schema.safeParse(undefined).success,
        ...(typeof description === 'string' ? { description } : {}),
        schema: rest,
      });
    }
  };
  if (r.params) add('path', r.params.shape as Record<string, z.ZodType>);
  if (r.query) add('query', r.query.shape as Record<string, z.ZodType>);
  return out;
}

/** A multipart form: files as binary strings, the other fields JSON documents (their `encoding`). */
function multipartBody(form: z.ZodObject): Record<string, unknown> {
  const schema = jsonSchema(form, 'input');
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const json = Object.keys(properties).filter((name) => properties[name]!.format !== 'binary');
  return {
    required: true,
    content: {
      'multipart/form-data': {
        schema,
        encoding: Object.fromEntries(json.map((name) => [name, { contentType: 'application/json' }])),
      },
    },
  };
}

function operation(r: RouteContract): Record<string, unknown> {
  const key = `${r.method} ${r.path}`;
  const rule = ACCESS_RULES[key];
  const responses: Record<string, unknown> = {};
  for (const [status, body] of Object.entries(r.responses)) {
    const content = isRaw(body)
      ? rawContent(body.raw)
      : { 'application/json': { schema: jsonSchema(body, 'output') } };
    responses[status] = {
      description: STATUS_CODES[status] ?? status,
      ...(content ? { content } : {}),
    };
  }
  responses.default = {
    description: 'refused or failed: the error body',
    content: { 'application/json': { schema: ERROR } },
  };
  const params = parameters(r);
  return {
    operationId: `${r.method.toLowerCase()}${r.path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
    summary: r.summary,
    ...(params.length ? { parameters: params } : {}),
    ...(r.body
      ? {
          requestBody: {
            required: !r.body.safeParse(undefined).success,
            content: { 'application/json': { schema: jsonSchema(r.body, 'input') } },
          },
        }
      : {}),
    ...(r.multipart ? { requestBody: multipartBody(r.multipart) } : {}),
    responses,
    ...(rule === 'public' ? { security: [] } : {}),
    'x-escucha-access': rule === undefined ? 'admin' : typeof rule === 'string' ? rule : ['admin', ...rule],
  };
}

/** The document for a server of this version. */
export function openApiDocument(
  version: string,
  routes: readonly RouteContract[] = ROUTES,
): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const p = (paths[openApiPath(r.path)] ??= {});
    p[r.method.toLowerCase()] = operation(r);
  }
  paths['/openapi.json'] = {
    get: {
      operationId: 'getOpenapiJson',
      summary: 'This document (no key needed)',
      responses: {
        200: { description: 'OK', content: { 'application/json': { schema: { type: 'object' } } } },
      },
      security: [],
      'x-escucha-access': 'public',
    },
  };
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: 'Escucha API',
      version,
      description:
        'Call-recording archive and speech analytics. Authenticate with an API key (`Authorization: Bearer …`) ' +
        'or the session cookie of POST /auth/login (unsafe methods then need the X-CSRF-Token header). Every ' +
        'refusal and failure answers `{ "error": { "code", "message", "details"? } }`.',
    },
    servers: [{ url: '/api/v1' }],
    security: [{ apiKey: [] }, { session: [] }],
    components: {
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'an API key (`escucha keys create`)' },
        session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE },
      },
      schemas: { Error: jsonSchema(errorBodySchema, 'output') },
    },
    paths,
  };
}

/** GET /api/v1/openapi.json: public, like the API's reference; the document is built once, at the first request. */
export function openApiRoute(version: string): RequestHandler {
  let document: Record<string, unknown> | undefined;
  return (_req, res) => {
    document ??= openApiDocument(version);
    res.json(document);
  };
}
