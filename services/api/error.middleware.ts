import type { ErrorRequestHandler, RequestHandler } from 'express';
import { EscuchaError, isDiskFull } from '../platform/errors.ts';
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
    } else if (isClientHttpError(error)) {
      // body-parser, serve-static (an unknown asset) and other http-errors: the client's mistake, said as such.
      status = error.status;
      body = {
        code: status === 413 ? 'PAYLOAD_TOO_LARGE' : status === 404 ? 'NOT_FOUND' : 'BAD_REQUEST',
        // A file error's message names server paths; only messages meant for the client are passed on.
        message:
          status === 404
            ? `no such file ${req.path}`
            : error.expose === false
              ? 'bad request'
              : error.message,
      };
    } else if (error instanceof URIError) {
      status = 400;
      body = { code: 'BAD_REQUEST', message: 'the path or query is not valid percent-encoded UTF-8' };
    } else if (isMalformedValue(error)) {
      status = 400;
      body = { code: 'BAD_REQUEST', message: 'a value in the request is not of the expected form' };
    } else if (isDiskFull(error)) {
      status = 507;
      body = { code: 'DISK_FULL', message: "the server's disk is full; nothing was stored, try again later" };
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
    // A route that failed after describing its own body (audio) must not have the error read as that.
    for (const header of ['Content-Type', 'Content-Disposition', 'ETag', 'Content-Length', 'Accept-Ranges']) {
      res.removeHeader(header);
    }
    if (status !== 416) res.removeHeader('Content-Range');
    const retryAfterSeconds = body.details?.retryAfterSeconds;
    if (status === 429 && typeof retryAfterSeconds === 'number')
      res.setHeader('Retry-After', String(retryAfterSeconds));
    if (status === 503) res.setHeader('Retry-After', '5');
    res.status(status).json({ error: body });
  };
}

function isClientHttpError(error: unknown): error is { status: number; message: string; expose?: boolean } {
  const e = error as { status?: unknown; statusCode?: unknown; type?: unknown; expose?: unknown } | undefined;
  return (
    typeof e?.status === 'number' &&
    (typeof e.type === 'string' || e.expose === true || e.statusCode === e.status) &&
    e.status >= 400 &&
    e.status < 500
  );
}

/**
 * PostgreSQL could not read a value the request carried (an identifier that is not a UUID, a number out of range, a
 * date that does not exist): bad input, not a server fault. SQLSTATE class 22 (data exception), those codes only.
 */
const MALFORMED_VALUE_SQLSTATES = new Set(['22P02', '22003', '22007', '22008', '22021', '22P05', '2201B']);
function isMalformedValue(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && MALFORMED_VALUE_SQLSTATES.has(code) && error instanceof Error;
}

export const notFound: RequestHandler = (req, _res, next) => {
  next(new EscuchaError('NOT_FOUND', `no route ${req.method} ${req.path}`));
};
