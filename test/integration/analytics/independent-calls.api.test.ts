import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Party } from '../../../models/database.ts';
import { ApiKeyRepository } from '../../../services/api/auth/api-key.repository.ts';
import type { DisclosureResult } from '../../../services/analytics/index.ts';
import { loadIndependentCalls, noticeGiven, type CallCase } from '../../eval/calls.eval.ts';
import { createAnalyticsHarness, type AnalyticsHarness } from './analytics.harness.ts';

const COUNTRY: Record<string, string> = { co: 'CO', mx: 'MX', es: 'ES', us: 'US' };

/**
 * Calls written independently of the detectors (test/fixtures/analytics/calls-independent.jsonl, dev split: every
 * eighteenth) through the public API as a dialer would send them: the recording with its transcript and metadata
 * (country, language, currency, start). What a QA supervisor then reads: the recording notice on time only (a late
 * one is not given), no promise in a call without one, and no card, identity or phone number anywhere in
 * the transcript or the analysis, while every amount said stays readable.
 */
describe('independently written calls through the API', () => {
  let h: AnalyticsHarness;
  let qa: string;
  const calls = loadIndependentCalls()
    .filter((k) => k.split === 'dev')
    .filter((_, i) => i % 18 === 0);
  const ids = new Map<string, string>();

  beforeAll(async () => {
    h = await createAnalyticsHarness();
    for (const k of calls) {
      const seconds = Math.ceil(k.segments.at(-1)!.endMs / 1000) + 1;
      const id = await h.upload(
        k.segments.map(({ party, startMs, endMs, text }) => ({
          party: party as Party,
          startMs,
          endMs,
          text,
        })),
        {
          startedAt: k.startedAt,
          country: COUNTRY[k.locale],
          language: k.language,
          currency: k.currency,
          agentId: 'A-1',
        },
        seconds,
      );
      ids.set(k.id, id);
    }
    for (const id of ids.values()) await h.settled(id);
    qa = (await new ApiKeyRepository(h.database.handle.db).create('qa_supervisor', 'qa')).key;
  }, 300_000);

  afterAll(async () => {
    await h?.close();
  });

  const read = async (k: CallCase, path: string) => {
    const res = await request(h.app)
      .get(`/api/v1/calls/${ids.get(k.id)}${path}`)
      .set('Authorization', `Bearer ${qa}`);
    expect(res.status, `${k.id}${path}`).toBe(200);
    return res.body as Record<string, unknown>;
  };

  it('covers on-time, late and missing notices, promises and non-promises, and sensitive numbers', () => {
    const outcomes = new Set(calls.map((k) => k.notice.outcome));
    expect([...outcomes].sort()).toEqual(['late', 'missing', 'on_time']);
    expect(calls.some((k) => k.promise.promised)).toBe(true);
    expect(calls.some((k) => !k.promise.promised)).toBe(true);
    expect(calls.some((k) => k.pii.length > 0)).toBe(true);
    expect(calls.some((k) => k.language === 'en')).toBe(true);
  });

  it('gives the notice only when it came on time, and reads no promise into a call without one', async () => {
    for (const k of calls) {
      const analysis = (await read(k, '/analysis')) as {
        analytics: { disclosure: DisclosureResult; promise: { promised: boolean } };
      };
      expect(noticeGiven(analysis.analytics.disclosure), `${k.id} notice ${k.notice.outcome}`).toBe(
        k.notice.outcome === 'on_time',
      );
      // (how many promises are found is the eval's to measure; none may be read into a call without one)
      if (!k.promise.promised) expect(analysis.analytics.promise.promised, `${k.id} promise`).toBe(false);
    }
  });

  it('never shows a QA supervisor a card, identity or phone number, and leaves every amount readable', async () => {
    // what a reader sees: every text the answers hold (not their times, counts, ids and timestamps, whose digits say
    // nothing), and a value shown as itself, not inside another number
    const MACHINE =
      /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\d{4}-\d{2}-\d{2}(?:T[\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?)$/i;
    const textsOf = (value: unknown): string[] =>
      typeof value === 'string'
        ? MACHINE.test(value)
          ? []
          : [value]
        : Array.isArray(value)
          ? value.flatMap(textsOf)
          : value !== null && typeof value === 'object'
            ? Object.values(value).flatMap(textsOf)
            : [];
    for (const k of calls) {
      const transcript = textsOf(await read(k, '/transcript')).join('\n');
      const analysis = textsOf(await read(k, '/analysis')).join('\n');
      for (const p of k.pii) {
        const shown = new RegExp(
          `(?<![\\p{L}\\p{N}])${p.text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\p{L}\\p{N}])`,
          'u',
        );
        expect(transcript, `${k.id} transcript shows ${p.type} "${p.text}"`).not.toMatch(shown);
        expect(analysis, `${k.id} analysis shows ${p.type} "${p.text}"`).not.toMatch(shown);
      }
      for (const a of k.amounts) {
        expect(transcript, `${k.id} amount "${a.text}"`).toContain(a.text);
      }
    }
  });
});
