import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Caller } from '../../access/caller.ts';
import { EscuchaError, isEscuchaError } from '../../platform/errors.ts';
import type { Logger } from '../../platform/logger.ts';
import type { LiveListenService } from '../../live/live-listen.service.ts';
import type { LiveAudioSink } from '../../live/live-audio.stream.ts';
import { ACCESS_RULES, compileRules, refusalOf } from '../auth/access.policy.ts';
import type { ApiKeyRepository } from '../auth/api-key.repository.ts';
import { identify } from '../auth/auth.middleware.ts';
import type { SessionRepository } from '../auth/session.repository.ts';

/**
 * Live listening over WebSocket on the API's HTTP server: `GET /api/v1/live/calls/:captureId/audio?party=both|
 * agent|customer` with `Upgrade: websocket`. The upgrade is authenticated as every API request is (API key header,
 * or the web UI's session cookie, then only from a page of the same origin), authorized by the route's access rule
 * (playback's), and handed to LiveListenService (scope, audit); a refusal is answered before the upgrade with the
 * API's error body and status (401, 403, 404, 400). What the socket carries: services/live/live-audio.protocol.ts.
 */

const PATH = /^\/api\/v1\/live\/calls\/([^/]+)\/audio\/?$/;

export interface LiveAudioSocketDeps {
  keys: ApiKeyRepository;
  sessions: SessionRepository;
  listen: LiveListenService;
  logger: Logger;
}

/**
 * Answers the live-audio upgrades of `server` (other upgrade paths are left to other handlers, or refused).
 * `close` ends every listen (1001): call it before closing the server, which waits for its connections.
 */
export function attachLiveAudio(server: Server, deps: LiveAudioSocketDeps): { close(): void } {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4096 });
  const compiled = compileRules(ACCESS_RULES);
  const logger = deps.logger.child({ component: 'live-audio' });
  const open = new Set<WebSocket>();
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const match = PATH.exec(url.pathname);
    if (!match) {
      if (server.listenerCount('upgrade') === 1)
        refuse(socket, new EscuchaError('NOT_FOUND', 'no such path'));
      return;
    }
    void accept(req, socket, head, decodeURIComponent(match[1]!), url.searchParams.get('party')).catch(
      (error: unknown) => {
        if (!isEscuchaError(error)) logger.error({ err: error }, 'a live listen could not start');
        refuse(
          socket,
          isEscuchaError(error) ? error : new EscuchaError('INTERNAL', 'the listen could not start'),
        );
      },
    );
  });

  async function accept(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    captureId: string,
    party: string | null,
  ): Promise<void> {
    const header = (name: string): string | undefined => {
      const value = req.headers[name];
      return Array.isArray(value) ? value[0] : value;
    };
    const who = await identify(deps.keys, deps.sessions, header);
    // A browser sends its cookie with a WebSocket opened by any site: a session listens only from its own pages.
    if (who.session && !sameOrigin(header('origin'), header('host'))) {
      throw new EscuchaError(
        'FORBIDDEN',
        'a live listen with a session must come from a page of this server',
      );
    }
    const refusal = refusalOf(
      compiled,
      'GET',
      `/live/calls/${encodeURIComponent(captureId)}/audio`,
      who.principal,
    );
    if (refusal) throw refusal;
    const caller: Caller = {
      principal: who.principal,
      client: { ip: req.socket.remoteAddress ?? null, userAgent: header('user-agent') ?? null },
    };
    const listen = await deps.listen.open(caller, captureId, party);
    wss.handleUpgrade(req, socket, head, (ws) => {
      open.add(ws);
      const stream = listen.attach(sinkOf(ws));
      ws.on('close', () => {
        open.delete(ws);
        stream.stop();
      });
      ws.on('error', (error) =>
        logger.warn({ err: error, captureId }, 'a live listener’s connection failed'),
      );
      // Listeners only listen: what they send is ignored.
    });
  }

  return {
    close: () => {
      for (const ws of open) ws.close(1001, 'server stopping');
      wss.close();
    },
  };
}

function sinkOf(ws: WebSocket): LiveAudioSink {
  return {
    get bufferedAmount() {
      return ws.bufferedAmount;
    },
    sendBinary: (data) => ws.send(data, { binary: true }),
    sendText: (message) => ws.send(JSON.stringify(message)),
    close: (code, reason) => ws.close(code, reason),
  };
}

function sameOrigin(origin: string | undefined, host: string | undefined): boolean {
  if (!origin) return true; // not a browser
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

/** Refuses an upgrade with the API's error answer (`{ "error": { "code", "message" } }`). */
function refuse(socket: Duplex, error: EscuchaError): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify({ error: { code: error.code, message: error.message } });
  const status = error.httpStatus;
  socket.end(
    [
      `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}`,
      'Content-Type: application/json; charset=utf-8',
      `Content-Length: ${Buffer.byteLength(body)}`,
      'Cache-Control: no-store',
      'Connection: close',
      '',
      body,
    ].join('\r\n'),
  );
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};
