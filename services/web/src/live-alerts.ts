import { API, type LiveAlertView } from './api.ts';

/** What the UI shares about real-time alerts: where to listen, the event streams. */

/** The live call page of a call in progress (its live transcript, and live listening where the page has it). */
export function liveCallHref(captureId: string): string {
  return `/live/calls/${encodeURIComponent(captureId)}`;
}

/** Opens a Server-Sent Events stream of the API; returns how to close it. */
export function openEvents(path: string, handlers: Record<string, (data: unknown) => void>): () => void {
  if (typeof EventSource === 'undefined') return () => {};
  const source = new EventSource(`${API}${path}`, { withCredentials: true });
  for (const [event, handle] of Object.entries(handlers)) {
    source.addEventListener(event, (e) => {
      try {
        handle(JSON.parse((e as MessageEvent<string>).data) as unknown);
      } catch {
        // a malformed event is skipped
      }
    });
  }
  return () => source.close();
}

export type { LiveAlertView };
