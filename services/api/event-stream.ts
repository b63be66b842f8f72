import type { Response } from 'express';

/** How often an open stream is sent a comment line by default, so that proxies do not close it for being idle. */
export const HEARTBEAT_MS = 15_000;

/** Writes one event of a Server-Sent Events stream. */
export type SendEvent = (event: string, data: unknown) => void;

/** One event as Server-Sent Events text. */
export function sseText(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * The API's open Server-Sent Events answers (the live board, the alerts, a call's live transcript): each is started,
 * kept open and ended here. A stopping server ends them all with `close()`: an open stream would keep
 * `server.close()` waiting for ever, and the browsers come back by themselves once the server is there again.
 *
 * ```ts
 * streams.open(res, (send) => hub.on('alert', (a) => send('alert', a)));
 * ```
 */
export class EventStreams {
  private readonly responses = new Set<Response>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private closed = false;

  constructor(private readonly heartbeatMs = HEARTBEAT_MS) {}

  /**
   * Answers `res` with an event stream and subscribes it: `subscribe` is given how to send an event and returns how
   * to stop, which runs when the client goes or the streams are closed.
   */
  open(res: Response, subscribe: (send: SendEvent) => () => void): void {
    res.status(200).set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      // Proxies that buffer answers (nginx) pass this one on as it is written.
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    // A client that loses the stream comes back after 3 s (EventSource does so by itself).
    res.write('retry: 3000\n: connected\n\n');
    // Streams closed (the server is stopping), or a client that went while the stream was being decided.
    if (this.closed || !res.socket || res.socket.destroyed) {
      res.end();
      return;
    }
    let stop: () => void;
    try {
      stop = subscribe((event, data) => {
        if (!res.writableEnded) res.write(sseText(event, data));
      });
    } catch (error) {
      // Nothing subscribed: the stream is not kept (the headers are sent, so it can only be ended).
      res.end();
      throw error;
    }
    this.responses.add(res);
    this.timer ??= setInterval(() => this.heartbeat(), this.heartbeatMs).unref();
    res.on('close', () => {
      this.responses.delete(res);
      if (this.responses.size === 0) this.stopTimer();
      stop();
    });
  }

  /** How many streams are open. */
  get size(): number {
    return this.responses.size;
  }

  /** Ends every stream, and every stream opened from now on (the server is stopping). */
  close(): void {
    this.closed = true;
    this.stopTimer();
    for (const res of [...this.responses]) res.end();
  }

  private heartbeat(): void {
    for (const res of this.responses) res.write(': heartbeat\n\n');
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
