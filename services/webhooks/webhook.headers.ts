/** The headers of a webhook request (lower case, as Node reads them); how they are signed: webhook.signature.ts. */
export const SIGNATURE_HEADER = 'escucha-webhook-signature';
export const TIMESTAMP_HEADER = 'escucha-webhook-timestamp';
export const EVENT_ID_HEADER = 'escucha-webhook-id';
export const EVENT_TYPE_HEADER = 'escucha-webhook-event';
export const DELIVERY_HEADER = 'escucha-webhook-delivery';
