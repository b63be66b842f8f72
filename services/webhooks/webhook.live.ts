import type { LiveHub } from '../live/live.hub.ts';
import { retryWhileUnavailable } from '../platform/database.ts';
import type { Logger } from '../platform/logger.ts';
import type { EventPublisher } from './webhook.events.ts';

/** How long an alert waits for an unreachable database to be recorded for webhooks before it is given up (logged). */
const GIVE_UP_MS = 60_000;

/**
 * Publishes every alert raised on this process's live hub as a `live.alert` event. The hub's listeners must not
 * block capture, so the event is recorded in the background, waiting out a database outage up to a minute; one
 * that still cannot be recorded is logged as an error. Returns what stops it.
 */
export function forwardLiveAlerts(
  live: Pick<LiveHub, 'on'>,
  publisher: EventPublisher,
  logger: Logger,
): () => void {
  return live.on('alert', (alert) => {
    void retryWhileUnavailable(() => publisher.publish({ type: 'live.alert', data: alert }), {
      giveUpMs: GIVE_UP_MS,
    }).catch((error: unknown) =>
      logger.error({ err: error, alertId: alert.alertId }, 'a live alert could not be recorded for webhooks'),
    );
  });
}
