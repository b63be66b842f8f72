import { API, type LiveAlertView } from './api.ts';
import { MESSAGES, type MessageKey } from './i18n.ts';

/** What the UI shares about real-time alerts: the words of an alert kind, where to listen, the event streams. */

/** An alert kind in the user's language; one the UI does not know yet is shown with spaces for underscores. */
export function alertKindKey(kind: string): MessageKey | null {
  const key = `alertKind_${kind}`;
  return key in MESSAGES.en ? (key as MessageKey) : null;
}

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
