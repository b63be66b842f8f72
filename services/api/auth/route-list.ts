import type { Express, Router } from 'express';
import { callSearchSchema } from '../../../models/call.ts';

/** One route of an express app: method and path as written in its router, with mount prefixes joined. */
export interface RouteInfo {
  method: string;
  path: string;
}

interface LayerLike {
  rawPath?: unknown;
  route?: { path: unknown; methods: Record<string, boolean> };
  handle?: { stack?: LayerLike[] };
}

function join(prefix: string, path: string): string {
  const p = `${prefix}/${path}`.replace(/\/+/g, '/');
  return p.length > 1 ? p.replace(/\/$/, '') : p;
}

function walk(stack: LayerLike[], prefix: string, out: RouteInfo[]): void {
  for (const layer of stack) {
    if (layer.route) {
      const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
      for (const path of paths) {
        if (typeof path !== 'string') continue;
        for (const [method, on] of Object.entries(layer.route.methods)) {
          if (on && method !== '_all') out.push({ method: method.toUpperCase(), path: join(prefix, path) });
        }
      }
    } else if (layer.handle?.stack) {
      const mount = typeof layer.rawPath === 'string' ? layer.rawPath : '/';
      // A path-scoped middleware router (for example the per-call guard) is no route of its own.
      walk(layer.handle.stack, join(prefix, mount), out);
    }
  }
}

/**
 * Every route of an app or router, from express's own router stack (express 5 / router 2), deduplicated.
 * `under` keeps only routes below a mount path and strips it (for example '/api/v1').
 */
export function listRoutes(app: Express | Router, under?: string): RouteInfo[] {
  const root =
    (app as unknown as { router?: { stack: LayerLike[] }; stack?: LayerLike[] }).router?.stack ??
    (app as unknown as { stack: LayerLike[] }).stack;
  const out: RouteInfo[] = [];
  walk(root, '/', out);
  const seen = new Set<string>();
  const result: RouteInfo[] = [];
  for (const r of out) {
    let path = r.path;
    if (under) {
      if (path !== under && !path.startsWith(`${under}/`)) continue;
      path = path.slice(under.length) || '/';
    }
    const key = `${r.method} ${path}`;
    if (seen.has(key)) continue;
    seen.add(key);
    result.push({ method: r.method, path });
  }
  return result;
}

/** Search parameters the call search accepts (analytics filters appear here when they are added). */
export function searchParamNames(): string[] {
  const shape = (callSearchSchema as unknown as { shape?: Record<string, unknown> }).shape;
  return shape ? Object.keys(shape) : [];
}
