import type { ErrorRequestHandler, RequestHandler } from 'express';
import { EscuchaError } from '../platform/errors.ts';
import { isDatabaseUnavailable } from '../platform/database.ts';
import type { Logger } from '../platform/logger.ts';

/** The one place where error codes become HTTP answers: `{ "error": { "code", "message", "details"? } }`. */
export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    let status: number;
    let body: { code: string; message: string; details?: Record<string, unknown> };
    if (error instanceof EscuchaError) {
      status = error.httpStatus;
      body = {
        code: error.code,
        message: error.message,
        ...(error.details ? { details: error.details } : {}),
      };
    } else if (isBodyParserError(error)) {
      status = error.status;
      body = { code: status === 413 ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST', message: error.message };
    } else if (isDatabaseUnavailable(error)) {
      status = 503;
      body = { code: 'DATABASE_UNAVAILABLE', message: 'the database is unavailable; try again shortly' };
    } else {
      status = 500;
      body = { code: 'INTERNAL', message: 'internal error; see the server log' };
    }
    if (status >= 500)
      logger.error({ err: error, method: req.method, url: req.originalUrl }, 'request failed');
    else logger.debug({ code: body.code, method: req.method, url: req.originalUrl }, body.message);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (status === 503) res.setHeader('Retry-After', '5');
    res.status(status).json({ error: body });
  };
}

function isBodyParserError(error: unknown): error is { status: number; message: string } {
  const e = error as { status?: unknown; type?: unknown } | undefined;
  return typeof e?.status === 'number' && typeof e.type === 'string' && e.status >= 400 && e.status < 500;
}

export const notFound: RequestHandler = (req, _res, next) => {
  next(new EscuchaError('NOT_FOUND', `no route ${req.method} ${req.path}`));
};
