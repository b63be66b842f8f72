import type { Transaction } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { Database } from '../../../models/database.ts';
import type { AnalysisCall, AnalysisRepository } from '../../../services/analysis/analysis.repository.ts';
import { analysisDone } from '../../../services/analysis/analysis.service.ts';
import type { CallAnalysis, ReviewItem } from '../../../services/analytics/index.ts';
import type { PaymentsRepository } from '../../../services/collections/payments.repository.ts';
import { PromiseLedgerService } from '../../../services/collections/promise-ledger.service.ts';
import type { PromiseRepository } from '../../../services/collections/promise.repository.ts';
import type { ReviewRepository } from '../../../services/review/review.repository.ts';
import { ReviewRouting } from '../../../services/review/review.routing.ts';
import {
  WEBHOOK_EVENT_SCHEMAS,
  type EventPublisher,
  type WebhookEvent,
} from '../../../services/webhooks/webhook.events.ts';

/**
 * Where events happen, they are published with the transaction that stores what they report, and their payloads are
 * what the document describes (no field more: the schema's parse leaves them equal).
 */

const CALL = '0b6f5a8e-7d1c-4b0a-9a53-3c2d1e0f9a11';
const TRX = { trx: true } as unknown as Transaction<Database>;

/** Records each event published, and how many publications carried them. */
function recorder() {
  const events: { event: WebhookEvent; trx: unknown }[] = [];
  let publications = 0;
  const publisher: EventPublisher = {
    publish: async (event, trx) => {
      publications += 1;
      events.push({ event, trx });
    },
    publishAll: async (all, trx) => {
      publications += 1;
      for (const event of all) events.push({ event, trx });
    },
  };
  return { events, publisher, publications: () => publications };
}

function documented(event: WebhookEvent): boolean {
  const parsed = WEBHOOK_EVENT_SCHEMAS[event.type].parse(event.data);
  return JSON.stringify(parsed) === JSON.stringify(event.data);
}

describe('events where they happen', () => {
  it('review routing publishes each item it creates, in its transaction', async () => {
    const review: ReviewItem[] = [
      { queue: 'compliance-es', reason: 'disclosure missing', priority: 2 },
      { queue: 'qa-es', reason: 'adherence low', priority: 1 },
    ];
    const { events, publisher } = recorder();
    const routing = new ReviewRouting({
      analyses: {
        call: async () => ({ id: CALL }),
        get: async () => ({ result: { review } }),
      } as unknown as AnalysisRepository,
      reviews: {
        // The first item existed already (updated), the second is new.
        replaceForCall: async (
          _callId: string,
          items: readonly ReviewItem[],
          onCreated?: (trx: Transaction<Database>, created: (ReviewItem & { id: string })[]) => Promise<void>,
        ) => {
          await onCreated?.(TRX, [{ ...items[1]!, id: '5d7c1f3e-2a4b-4c6d-8e9f-0a1b2c3d4e5f' }]);
          return items.length;
        },
      } as unknown as ReviewRepository,
      events: publisher,
    });
    await routing.route(CALL);
    expect(events).toEqual([
      {
        event: {
          type: 'review.item.created',
          data: {
            itemId: '5d7c1f3e-2a4b-4c6d-8e9f-0a1b2c3d4e5f',
            callId: CALL,
            queue: 'qa-es',
            reason: 'adherence low',
            priority: 1,
          },
        },
        trx: TRX,
      },
    ]);
    expect(events.every((e) => documented(e.event))).toBe(true);
  });

  it('the promise ledger publishes every promise it records at once, in the transaction that records it', async () => {
    const { events, publisher, publications } = recorder();
    const ledger = new PromiseLedgerService({
      promises: {
        syncCall: async () => [],
        ofAccounts: async () => [],
        writeAllocations: async () => 0,
      } as unknown as PromiseRepository,
      payments: { ofAccounts: async () => [] } as unknown as PaymentsRepository,
      auditor: { recordFor: async () => undefined },
      policy: { graceDays: 3, tolerance: 0.05, defaultDueDays: 7 },
      events: publisher,
    });
    await ledger.recordAnalysis(
      TRX,
      {
        id: CALL,
        startedAt: new Date('2026-12-01T15:00:00Z'),
        currency: 'COP',
        customerRef: 'ACC-1',
      } as AnalysisCall,
      {
        promise: {
          promised: true,
          primary: null,
          promises: [
            {
              kind: 'statement',
              amount: { value: 100_000, currency: 'COP', text: 'cien mil' },
              date: '2026-12-05',
              dateText: 'el viernes',
              evidence: [],
            },
            { kind: 'acceptance', amount: null, date: null, dateText: null, evidence: [] },
          ],
        },
      } as unknown as CallAnalysis,
    );
    expect(events.map((e) => [e.event.data, e.trx])).toEqual([
      [
        {
          callId: CALL,
          ordinal: 0,
          account: 'ACC-1',
          kind: 'statement',
          amount: 100_000,
          currency: 'COP',
          dueDate: '2026-12-05',
        },
        TRX,
      ],
      [
        {
          callId: CALL,
          ordinal: 1,
          account: 'ACC-1',
          kind: 'acceptance',
          amount: null,
          currency: 'COP',
          dueDate: '2026-12-08',
        },
        TRX,
      ],
    ]);
    expect(events.every((e) => e.event.type === 'promise.recorded' && documented(e.event))).toBe(true);
    expect(publications()).toBe(1);
  });

  it('analysis done says outcomes, not text', () => {
    const data = analysisDone(CALL, {
      version: 7,
      language: 'es',
      disclosure: { profile: 'co', outcome: 'partial' },
      forbidden: { violations: [{ practice: 'threat' }, { practice: 'threat' }, { practice: 'insult' }] },
      promise: { promised: true },
      sentiment: { parties: { customer: { label: 'negative' } } },
      review: [{ queue: 'compliance-es', reason: 'forbidden practice', priority: 3 }],
    } as unknown as CallAnalysis);
    expect(data).toEqual({
      callId: CALL,
      analyticsVersion: 7,
      language: 'es',
      disclosure: { profile: 'co', outcome: 'partial' },
      forbiddenPractices: ['threat', 'insult'],
      promiseToPay: true,
      customerSentiment: 'negative',
      reviewQueues: ['compliance-es'],
    });
    expect(documented({ type: 'analysis.done', data })).toBe(true);
  });
});
