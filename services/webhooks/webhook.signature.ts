import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * How a webhook request is signed, and how a receiver checks it.
 *
 * Every request carries `Escucha-Webhook-Timestamp` (Unix seconds at sending) and `Escucha-Webhook-Signature`:
 * `v1=` and the hex HMAC-SHA256, keyed with the subscription's secret (the whole `whsec_…` string, as UTF-8), of
 * the timestamp, a dot and the raw request body: `HMAC_SHA256(secret, "<timestamp>.<body>")`. To verify, compute it
 * over the body exactly as received (before any JSON parsing), compare in constant time, and refuse timestamps more
 * than a few minutes away from now (a replayed request). Each attempt is signed again with its own timestamp; the
 * event id in the body stays the same.
 *
 * @example
 *   const expected = createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex');
 *   const ok = timingSafeEqual(Buffer.from(`v1=${expected}`), Buffer.from(signatureHeader));
 */

export {
  DELIVERY_HEADER,
  EVENT_ID_HEADER,
  EVENT_TYPE_HEADER,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
} from './webhook.headers.ts';

/** How far a timestamp may be from the receiver's clock by default (seconds). */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** A new signing secret: `whsec_` and 32 random bytes in base64url. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

/** The signature header's value for a body sent at `timestamp` (Unix seconds). */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * Whether a request's signature is the one its secret gives its timestamp and body, with the timestamp within
 * `toleranceSeconds` of `now` (Unix seconds). What a receiver runs; Escucha's tests run it too.
 */
export function verifyWebhook(
  secret: string,
  headers: { signature: string | undefined; timestamp: string | undefined },
  body: string,
  options: { now?: number; toleranceSeconds?: number } = {},
): boolean {
  const { signature, timestamp } = headers;
  if (!signature || !timestamp || !/^\d{1,12}$/.test(timestamp)) return false;
  const t = Number(timestamp);
  const now = options.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - t) > (options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS)) return false;
  const expected = Buffer.from(signWebhook(secret, t, body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
