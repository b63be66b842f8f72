import { useEffect, useState } from 'preact/hooks';
import { API, type LiveAlertView } from './api.ts';

/** What the live pages share: where to listen, the event streams, a clock that ticks. */

/** The live call page of a call in progress (its live transcript, and live listening where the page has it). */
export function liveCallHref(captureId: string): string {
  return `/live/calls/${encodeURIComponent(captureId)}`;
}

/** What a page hears of an event stream's connection, besides its events. */
export interface EventsWatch {
  /** The stream is open: at first, and again after each reconnection (events sent meanwhile were missed). */
  onOpen?: () => void;
  /**
   * The stream was lost. `given up`: the browser will not try again (the answer was not a stream, or the browser has
   * no EventSource), so the page must do without it; otherwise the browser reconnects by itself.
   */
  onError?: (givenUp: boolean) => void;
}

/**
 * Opens a Server-Sent Events stream of the API, with a handler per event (`E` names each event's data, as the
 * contract describes it); returns how to close it. A malformed event is skipped.
 */
export function openEvents<E extends Record<string, unknown>>(
  path: string,
  handlers: { [K in keyof E & string]: (data: E[K]) => void },
  watch: EventsWatch = {},
): () => void {
  if (typeof EventSource === 'undefined') {
    watch.onError?.(true);
    return () => {};
  }
  const source = new EventSource(`${API}${path}`, { withCredentials: true });
  for (const [event, handle] of Object.entries(handlers) as [string, (data: unknown) => void][]) {
    source.addEventListener(event, (e) => {
      let data: unknown;
      try {
        data = JSON.parse((e as MessageEvent<string>).data) as unknown;
      } catch {
        return;
      }
      handle(data);
    });
  }
  source.onopen = () => watch.onOpen?.();
  source.onerror = () => watch.onError?.(source.readyState === EventSource.CLOSED);
  return () => source.close();
}

/**
 * The time now (epoch ms), again every second, for durations that tick; `skewMs` corrects the browser's clock by the
 * server's (what the server's time was when the browser's was known).
 */
export function useNow(skewMs = 0): number {
  const [now, setNow] = useState(() => Date.now() + skewMs);
  useEffect(() => {
    setNow(Date.now() + skewMs);
    const timer = setInterval(() => setNow(Date.now() + skewMs), 1000);
    return () => clearInterval(timer);
  }, [skewMs]);
  return now;
}

export type { LiveAlertView };
