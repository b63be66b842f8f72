import { openEvents, type EventsWatch } from './live-alerts.ts';

/**
 * An event stream of the API that every tab of Escucha in the browser needs (the app shell's alerts), opened once for
 * all of them: a browser keeps at most six connections to a server over HTTP/1.1, shared by its tabs, so one stream
 * per tab left a seventh tab, and then every request, waiting. The tab holding a Web Lock named after the stream keeps
 * it open and passes each event, and each change of the connection, to the other tabs over a BroadcastChannel; a tab
 * that opens later asks it for the connection's state. When that tab closes (or its page unmounts the stream), the
 * lock goes to another waiting tab, which opens the stream (its `onOpen` says events may have been missed). Where the
 * browser has no Web Locks or BroadcastChannel, each tab opens its own.
 */
export function openSharedEvents<E extends Record<string, unknown>>(
  path: string,
  handlers: { [K in keyof E & string]: (data: E[K]) => void },
  watch: EventsWatch & {
    /** This tab holds the stream for the others (true) or hears it through the one that does (false). */
    onRole?: (holder: boolean) => void;
  } = {},
): () => void {
  if (typeof BroadcastChannel === 'undefined' || typeof navigator === 'undefined' || !navigator.locks) {
    watch.onRole?.(true);
    return openEvents<E>(path, handlers, watch);
  }
  const channel = new BroadcastChannel(`escucha-events:${path}`);
  const handle = handlers as unknown as Record<string, (data: unknown) => void>;
  let holder = false;
  /** The holder's connection: unknown until it says, then open, lost (retrying) or given up. */
  let state: Message | undefined;
  const release = new AbortController();
  /** Closed by the page: nothing more is opened, sent or handled. */
  let closed = false;
  let closeStream: (() => void) | undefined;
  let done!: () => void;
  const held = new Promise<void>((resolve) => (done = resolve));

  const onState = (m: Message) => {
    if (m.kind === 'open') watch.onOpen?.();
    else if (m.kind === 'error') watch.onError?.(m.givenUp);
  };
  channel.onmessage = (e: MessageEvent<Message>) => {
    if (closed) return;
    const m = e.data;
    if (m.kind === 'hello') {
      if (holder && state) channel.postMessage(state);
    } else if (!holder) {
      if (m.kind === 'event') handle[m.event]?.(m.data);
      else {
        state = m;
        onState(m);
      }
    }
  };
  const tell = (m: Message) => {
    if (closed) return;
    if (m.kind !== 'event') state = m;
    channel.postMessage(m);
    if (m.kind === 'event') handle[m.event]?.(m.data);
    else onState(m);
  };

  watch.onRole?.(false);
  channel.postMessage({ kind: 'hello' } satisfies Message);
  navigator.locks
    .request(`escucha-events:${path}`, { signal: release.signal }, async () => {
      // Granted as the page closed it: let the next tab have it.
      if (closed) return;
      holder = true;
      watch.onRole?.(true);
      const relayed = Object.fromEntries(
        Object.keys(handlers).map((event) => [
          event,
          (data: unknown) => tell({ kind: 'event', event, data }),
        ]),
      ) as { [K in keyof E & string]: (data: E[K]) => void };
      closeStream = openEvents<E>(path, relayed, {
        onOpen: () => tell({ kind: 'open' }),
        onError: (givenUp) => tell({ kind: 'error', givenUp }),
      });
      await held;
      closeStream();
    })
    .catch(() => {
      // released before it was granted
    });
  return () => {
    closed = true;
    closeStream?.();
    done();
    release.abort();
    channel.close();
  };
}

type Message =
  | { kind: 'hello' }
  | { kind: 'open' }
  | { kind: 'error'; givenUp: boolean }
  | { kind: 'event'; event: string; data: unknown };
