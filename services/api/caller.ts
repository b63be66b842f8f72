import type { Request } from 'express';
import type { Caller } from '../access/caller.ts';
import { clientOf } from './audit/auditor.ts';

/** The caller of an authenticated request (every route after `authenticate` has a principal). */
export function callerOf(req: Request): Caller {
  return { principal: req.principal!, client: clientOf(req) };
}
