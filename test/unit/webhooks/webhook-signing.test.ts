import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { exhausted, retryDelayMs, type RetryPolicy } from '../../../services/webhooks/webhook.backoff.ts';
import {
  liveAlertSchema,
  WEBHOOK_EVENT_SCHEMAS,
  WEBHOOK_EVENT_TYPES,
  webhookEnvelopeSchema,
} from '../../../services/webhooks/webhook.events.ts';
import { SecretBox } from '../../../services/webhooks/webhook.secrets.ts';
import {
  newWebhookSecret,
  signWebhook,
  verifyWebhook,
} from '../../../services/webhooks/webhook.signature.ts';
import { isEscuchaError } from '../../../services/platform/errors.ts';

const secret = 'whsec_test-secret-0123456789';
const body = JSON.stringify({ id: 'e1', type: 'live.alert', data: { detail: 'ñandú' } });

describe('webhook signature', () => {
  it('is v1= and the hex HMAC-SHA256 of "<timestamp>.<body>", as the document tells receivers to compute it', () => {
    const expected = createHmac('sha256', secret).update(`1700000000.${body}`).digest('hex');
    expect(signWebhook(secret, 1_700_000_000, body)).toBe(`v1=${expected}`);
  });

  it('verifies what it signed, and refuses another body, secret, timestamp or an old request', () => {
    const t = 1_700_000_000;
    const headers = { signature: signWebhook(secret, t, body), timestamp: String(t) };
    expect(verifyWebhook(secret, headers, body, { now: t + 10 })).toBe(true);
    expect(verifyWebhook(secret, headers, body.replace('ñandú', 'nandu'), { now: t })).toBe(false);
    expect(verifyWebhook(`${secret}x`, headers, body, { now: t })).toBe(false);
    expect(verifyWebhook(secret, { ...headers, timestamp: String(t + 1) }, body, { now: t })).toBe(false);
    expect(verifyWebhook(secret, headers, body, { now: t + 301 })).toBe(false);
    expect(verifyWebhook(secret, { signature: undefined, timestamp: String(t) }, body, { now: t })).toBe(
      false,
    );
    expect(verifyWebhook(secret, { ...headers, timestamp: '1e9' }, body, { now: t })).toBe(false);
  });

  it('makes a new random secret each time', () => {
    const a = newWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(newWebhookSecret()).not.toBe(a);
  });
});

describe('webhook retry backoff', () => {
  const policy: RetryPolicy = { attempts: 8, baseDelayMs: 1000, maxDelayMs: 60_000 };

  it('doubles after each failed attempt up to the cap, jittered into the upper half', () => {
    const top = (failed: number) => retryDelayMs(failed, policy, () => 0.999999);
    const bottom = (failed: number) => retryDelayMs(failed, policy, () => 0);
    expect([1, 2, 3, 4, 5, 6, 7, 8].map(top)).toEqual([
      1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000,
    ]);
    expect([1, 2, 3].map(bottom)).toEqual([500, 1000, 2000]);
    for (let i = 0; i < 50; i++) {
      const d = retryDelayMs(3, policy);
      expect(d).toBeGreaterThanOrEqual(2000);
      expect(d).toBeLessThanOrEqual(4000);
    }
    expect(retryDelayMs(1000, policy, () => 0.5)).toBe(45_000);
  });

  it('is dead once its attempts are used up', () => {
    expect(exhausted(7, 8)).toBe(false);
    expect(exhausted(8, 8)).toBe(true);
  });
});

describe('webhook secrets at rest', () => {
  it('seal to something that does not contain the secret and opens only for its own subscription and key', async () => {
    const key = randomBytes(32);
    const box = new SecretBox(async () => key);
    const sealed = await box.seal(secret, 'sub-1');
    expect(sealed).not.toContain(secret);
    expect(sealed).not.toBe(await box.seal(secret, 'sub-1'));
    expect(await box.open(sealed, 'sub-1')).toBe(secret);
    const refused = await box.open(sealed, 'sub-2').catch((e: unknown) => e);
    expect(isEscuchaError(refused, 'ENCRYPTION_KEY_UNKNOWN')).toBe(true);
    const otherKey = new SecretBox(async () => randomBytes(32));
    expect(isEscuchaError(await otherKey.open(sealed, 'sub-1').catch((e: unknown) => e))).toBe(true);
  });
});

describe('webhook event payloads', () => {
  it('describe every event in its envelope, live alerts with or without a call', () => {
    expect(WEBHOOK_EVENT_TYPES).toEqual(Object.keys(WEBHOOK_EVENT_SCHEMAS));
    const alert = {
      alertId: 'a-1',
      callId: null,
      captureId: 'cap-9',
      kind: 'disclosure_missing',
      detail: 'no recording notice in the first 30 s',
      atMs: 30_000,
      raisedAt: '2026-12-07T07:00:00.000Z',
    };
    expect(liveAlertSchema.parse(alert)).toEqual(alert);
    const envelope = webhookEnvelopeSchema('live.alert');
    const event = {
      id: '3f1e6f0e-2b7c-4a55-9d0e-0a0d8b8f1c11',
      type: 'live.alert',
      createdAt: alert.raisedAt,
      data: alert,
    };
    expect(envelope.parse(event)).toEqual(event);
    expect(envelope.safeParse({ ...event, type: 'analysis.done' }).success).toBe(false);
  });
});
