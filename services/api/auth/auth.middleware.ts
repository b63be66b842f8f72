import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { ApiRole } from '../../../models/database.ts';
import { EscuchaError } from '../../platform/errors.ts';
import type { ApiKeyRepository, Principal } from './api-keys.ts';

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

/** Every API request carries `Authorization: Bearer <key>` (or `X-Api-Key: <key>`). */
export function authenticate(keys: ApiKeyRepository): RequestHandler {
  return async (req: Request, _res: Response, next: NextFunction) => {
    const header = req.get('authorization');
    const key = header?.match(/^Bearer\s+(\S+)$/i)?.[1] ?? req.get('x-api-key');
    if (!key) {
      next(new EscuchaError('UNAUTHENTICATED', 'an API key is required: send "Authorization: Bearer <key>"'));
      return;
    }
    const principal = await keys.authenticate(key);
    if (!principal) {
      next(new EscuchaError('UNAUTHENTICATED', 'the API key is not valid or has been revoked'));
      return;
    }
    req.principal = principal;
    next();
  };
}

export function requireRole(...roles: ApiRole[]): RequestHandler {
  return (req, _res, next) => {
    const role = req.principal?.role;
    if (!role || (role !== 'admin' && !roles.includes(role))) {
      next(new EscuchaError('FORBIDDEN', `this action needs one of the roles: admin, ${roles.join(', ')}`));
      return;
    }
    next();
  };
}
