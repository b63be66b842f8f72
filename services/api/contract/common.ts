import { z } from 'zod';

/**
 * The pieces every part of the API contract uses: how a route is described, the error body, lists, identifiers.
 * Request schemas are what the routers validate with; response schemas describe exactly what the routes send
 * (every field, nothing more), so the OpenAPI document generated from them (openapi.ts) and the web client's types
 * (`z.infer`) cannot drift from the server: test/integration/api/contract.test.ts checks real answers against them.
 */

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** A response without a JSON body: audio, CSV, a stream of Server-Sent Events, or nothing (204). */
export type RawBody = { raw: 'audio' | 'csv' | 'events' | 'none' };
export const AUDIO: RawBody = { raw: 'audio' };
export const CSV: RawBody = { raw: 'csv' };
export const EMPTY: RawBody = { raw: 'none' };
export const EVENTS: RawBody = { raw: 'events' };

export interface RouteContract {
  method: HttpMethod;
  /** As mounted under /api/v1, in express syntax (`/calls/:id`). */
  path: string;
  summary: string;
  /** Path parameters (every `:name` of the path). */
  params?: z.ZodObject;
  /** Query parameters: an object schema, one parameter per key. */
  query?: z.ZodObject;
  /** JSON request body, or a multipart form (`multipart`) described field by field. */
  body?: z.ZodType;
  multipart?: z.ZodObject;
  /** Answers by status code; every route may also answer with the error body (`default`). */
  responses: Record<number, z.ZodType | RawBody>;
}

export const route = (r: RouteContract): RouteContract => r;

/** `{ "error": { "code", "message", "details"? } }`: every refusal and failure (services/api/error.middleware.ts). */
export const errorBodySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;

export const idParams = z.object({ id: z.string() });
export const uuidParams = z.object({ id: z.uuid() });
/** Time as the API writes it: ISO 8601 in UTC. */
export const isoTime = z.iso.datetime({ offset: true });
export const items = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item) });
