import { describe, expect, it } from 'vitest';
import type { AnalysisRepository } from '../../../services/analysis/analysis.repository.ts';
import type { ReviewItem } from '../../../services/analytics/index.ts';
import type { Caller } from '../../../services/access/caller.ts';
import type { Principal } from '../../../services/access/principal.ts';
import type { EvaluationFormRepository } from '../../../services/review/evaluation.repository.ts';
import type { ReviewItemView, ReviewRepository } from '../../../services/review/review.repository.ts';
import { ReviewRouting } from '../../../services/review/review.routing.ts';
import { ReviewService } from '../../../services/review/review.service.ts';

const CALL = '11111111-1111-4111-8111-111111111111';

function principal(role: Principal['role'], id: string): Principal {
  return { kind: 'user', id, keyId: null, name: id, role, languages: [], teams: [], agentId: null };
}

/** A caller whose audit events land in `audited` (through the service's auditor below). */
type TestCaller = Caller & { audited: unknown[] };
function caller(p: Principal, audited: unknown[]): TestCaller {
  return { principal: p, client: { ip: null, userAgent: null }, audited };
}
const auditor = { recordFor: async (c: Caller, event: unknown) => (c as TestCaller).audited.push(event) };

function item(over: Partial<ReviewItemView>): ReviewItemView {
  return {
    id: 'i1',
    callId: CALL,
    queue: 'qa-es',
    reason: 'weekly sample',
    priority: 5,
    status: 'open',
    claimedBy: null,
    claimedAt: null,
    completedBy: null,
    completedAt: null,
    scorecard: null,
    comments: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    call: {
      startedAt: '2026-01-01T00:00:00.000Z',
      agentId: 'a1',
      agentName: null,
      team: null,
      campaign: null,
      language: 'es',
      durationMs: 1000,
    },
    evaluation: null,
    ...over,
  };
}

describe(ReviewRouting.name, () => {
  it("makes the items analyzeCall stored with the analysis the call's pending items", async () => {
    const review: ReviewItem[] = [{ queue: 'compliance-es', reason: 'disclosure missing', priority: 2 }];
    const replaced: [string, readonly ReviewItem[]][] = [];
    const routing = new ReviewRouting({
      analyses: {
        call: async () => ({ id: CALL }),
        get: async () => ({ result: { review } }),
      } as unknown as AnalysisRepository,
      reviews: {
        replaceForCall: async (callId: string, items: readonly ReviewItem[]) => {
          replaced.push([callId, items]);
          return items.length;
        },
      } as unknown as ReviewRepository,
    });
    expect(await routing.route(CALL)).toEqual({ items: review, pending: 1 });
    expect(replaced).toEqual([[CALL, review]]);
  });

  it('skips a call without an analysis, or one that is gone', async () => {
    const reviews = {
      replaceForCall: async () => {
        throw new Error('nothing to route');
      },
    } as unknown as ReviewRepository;
    const none = new ReviewRouting({
      analyses: {
        call: async () => ({ id: CALL }),
        get: async () => undefined,
      } as unknown as AnalysisRepository,
      reviews,
    });
    expect(await none.route(CALL)).toEqual({ skipped: 'the call has no analysis (see the analytics stage)' });
    const gone = new ReviewRouting({
      analyses: { call: async () => undefined, get: async () => undefined } as unknown as AnalysisRepository,
      reviews,
    });
    expect(await gone.route(CALL)).toEqual({ skipped: 'call not found (deleted?)' });
  });
});

describe(ReviewService.name, () => {
  function service(stored: ReviewItemView, inScope = true) {
    const completed: unknown[] = [];
    const svc = new ReviewService({
      reviews: {
        get: async () => stored,
        complete: async (...args: unknown[]) => {
          completed.push(args);
          return { ...stored, status: 'completed' };
        },
      } as unknown as ReviewRepository,
      forms: { forCampaign: async () => undefined } as unknown as EvaluationFormRepository,
      analyses: {} as AnalysisRepository,
      callAccess: async () => ({ exists: true, inScope, hasRedacted: false }),
      auditor,
    });
    return { svc, completed };
  }

  it('refuses to complete an item someone else claimed, or one not claimed, unless the caller is an admin', async () => {
    const audited: unknown[] = [];
    const claimed = item({ status: 'claimed', claimedBy: 'user:u2' });
    const { svc, completed } = service(claimed);
    await expect(
      svc.complete(caller(principal('qa_supervisor', 'u1'), audited), 'i1', { scorecard: {} }),
    ).rejects.toThrow('review item i1 is claimed by user:u2');
    await expect(
      service(item({})).svc.complete(caller(principal('qa_supervisor', 'u1'), audited), 'i1', {
        scorecard: {},
      }),
    ).rejects.toThrow('claim review item i1 before completing it');
    expect(completed).toEqual([]);
    expect(audited).toEqual([]);

    await svc.complete(caller(principal('admin', 'u9'), audited), 'i1', { scorecard: { ok: true } });
    expect(completed).toEqual([['i1', 'user:u9', { scorecard: { ok: true }, comments: null }, true]]);
    expect(audited).toEqual([
      {
        action: 'evaluation_complete',
        callId: CALL,
        targetType: 'review_item',
        targetId: 'i1',
        details: { form: null },
      },
    ]);
  });

  it('hides an item whose call is outside the caller’s scope', async () => {
    const { svc } = service(item({}), false);
    await expect(svc.item(caller(principal('qa_supervisor', 'u1'), []), 'i1')).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });
});
