import { sql, type Expression, type ExpressionBuilder, type SqlBool, type Transaction } from 'kysely';
import type { Database, ReviewStatus } from '../../models/database.ts';
import type { ReviewItem } from '../analytics/index.ts';
import type { Db } from '../platform/database.ts';
import { EscuchaError } from '../platform/errors.ts';

/**
 * Review queues and their items. The `route` stage writes items; supervisors claim one, then complete it with a
 * scorecard and comments. Re-routing a call updates its pending items (one per call and queue) and removes the ones
 * its new analysis no longer asks for, but never touches an item someone claimed or completed.
 */

export interface ReviewQueueView {
  id: string;
  kind: string;
  language: string;
  open: number;
  claimed: number;
  completed: number;
}

export interface ReviewItemView {
  id: string;
  callId: string;
  queue: string;
  reason: string;
  priority: number;
  status: ReviewStatus;
  claimedBy: string | null;
  claimedAt: string | null;
  completedBy: string | null;
  completedAt: string | null;
  scorecard: Record<string, unknown> | null;
  comments: string | null;
  createdAt: string;
  call: {
    startedAt: string;
    agentId: string | null;
    agentName: string | null;
    team: string | null;
    campaign: string | null;
    language: string | null;
    durationMs: number;
  };
  /** The evaluation made when the item was completed with an evaluation form. */
  evaluation: {
    id: string;
    formId: string;
    formVersion: number;
    score: number;
    comments: { atMs: number; text: string }[];
  } | null;
}

/** A scored evaluation stored with the completion of an item (same transaction). */
export interface NewEvaluation {
  formId: string;
  formVersion: number;
  answers: Record<string, unknown>;
  score: number;
  comments: { atMs: number; text: string }[];
}

type CallsEb = ExpressionBuilder<Database, 'calls'>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `compliance-es` → kind `compliance`, language `es`. */
export function parseQueueId(id: string): { kind: string; language: string } {
  const cut = id.lastIndexOf('-');
  return cut > 0 ? { kind: id.slice(0, cut), language: id.slice(cut + 1) } : { kind: id, language: 'und' };
}

export class ReviewRepository {
  constructor(private readonly db: Db) {}

  /** Sets the call's pending review items to exactly `items`; returns how many items are pending after. */
  async replaceForCall(
    callId: string,
    items: readonly ReviewItem[],
    /** Runs in the same transaction with the items it added (not those it updated). */
    onCreated?: (trx: Transaction<Database>, created: (ReviewItem & { id: string })[]) => Promise<void>,
  ): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const created: (ReviewItem & { id: string })[] = [];
      for (const q of new Set(items.map((i) => i.queue))) {
        await trx
          .insertInto('review_queues')
          .values({ id: q, ...parseQueueId(q) })
          .onConflict((oc) => oc.column('id').doNothing())
          .execute();
      }
      const wanted = new Set(items.map((i) => i.queue));
      const open = await trx
        .selectFrom('review_items')
        .select(['id', 'queue_id', 'status'])
        .where('call_id', '=', callId)
        .where('status', '<>', 'completed')
        .forUpdate()
        .execute();
      const stale = open.filter((o) => o.status === 'open' && !wanted.has(o.queue_id)).map((o) => o.id);
      if (stale.length > 0) await trx.deleteFrom('review_items').where('id', 'in', stale).execute();
      for (const item of items) {
        const existing = open.find((o) => o.queue_id === item.queue);
        if (existing) {
          await trx
            .updateTable('review_items')
            .set({ reason: item.reason, priority: item.priority, updated_at: sql`now()` })
            .where('id', '=', existing.id)
            .execute();
        } else {
          const { id } = await trx
            .insertInto('review_items')
            .values({ call_id: callId, queue_id: item.queue, reason: item.reason, priority: item.priority })
            .returning('id')
            .executeTakeFirstOrThrow();
          created.push({ ...item, id });
        }
      }
      if (onCreated && created.length > 0) await onCreated(trx, created);
      const pending = await trx
        .selectFrom('review_items')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('call_id', '=', callId)
        .where('status', '<>', 'completed')
        .executeTakeFirstOrThrow();
      return Number(pending.n);
    });
  }

  async forCall(callId: string): Promise<ReviewItemView[]> {
    return this.select((qb) => qb.where('review_items.call_id', '=', callId));
  }

  /** Queues with item counts, counting only calls inside the caller's scope. */
  async queues(scope: (eb: CallsEb) => Expression<SqlBool>[]): Promise<ReviewQueueView[]> {
    const rows = await this.db
      .selectFrom('review_queues')
      .leftJoin(
        (eb) =>
          eb
            .selectFrom('review_items')
            .innerJoin('calls', 'calls.id', 'review_items.call_id')
            .select((e) => [
              'review_items.queue_id',
              e.fn
                .count<string>('review_items.id')
                .filterWhere('review_items.status', '=', 'open')
                .as('open'),
              e.fn
                .count<string>('review_items.id')
                .filterWhere('review_items.status', '=', 'claimed')
                .as('claimed'),
              e.fn
                .count<string>('review_items.id')
                .filterWhere('review_items.status', '=', 'completed')
                .as('completed'),
            ])
            .where((e) => e.and(scope(e as unknown as CallsEb)))
            .groupBy('review_items.queue_id')
            .as('c'),
        (join) => join.onRef('c.queue_id', '=', 'review_queues.id'),
      )
      .select([
        'review_queues.id',
        'review_queues.kind',
        'review_queues.language',
        'c.open',
        'c.claimed',
        'c.completed',
      ])
      .orderBy('review_queues.id')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      language: r.language,
      open: Number(r.open ?? 0),
      claimed: Number(r.claimed ?? 0),
      completed: Number(r.completed ?? 0),
    }));
  }

  async queueExists(id: string): Promise<boolean> {
    return !!(await this.db.selectFrom('review_queues').select('id').where('id', '=', id).executeTakeFirst());
  }

  /** A queue's items, most urgent and oldest first. */
  async items(
    queueId: string,
    options: { status?: ReviewStatus[]; limit: number; offset: number },
    scope: (eb: CallsEb) => Expression<SqlBool>[],
  ): Promise<ReviewItemView[]> {
    return this.select((qb) => {
      let q = qb
        .where('review_items.queue_id', '=', queueId)
        .where((eb) => eb.and(scope(eb as unknown as CallsEb)));
      if (options.status && options.status.length > 0)
        q = q.where('review_items.status', 'in', options.status);
      return q
        .orderBy('review_items.priority')
        .orderBy('review_items.created_at')
        .orderBy('review_items.id')
        .limit(options.limit)
        .offset(options.offset);
    });
  }

  async get(id: string): Promise<ReviewItemView | undefined> {
    if (!UUID.test(id)) return undefined;
    const [item] = await this.select((qb) => qb.where('review_items.id', '=', id));
    return item;
  }

  /** Claims an open item (or re-claims one's own); CONFLICT when someone else holds it or it is completed. */
  async claim(id: string, by: string): Promise<ReviewItemView> {
    const updated = await this.db
      .updateTable('review_items')
      .set({ status: 'claimed', claimed_by: by, claimed_at: new Date(), updated_at: sql`now()` })
      .where('id', '=', id)
      .where((eb) =>
        eb.or([eb('status', '=', 'open'), eb.and([eb('status', '=', 'claimed'), eb('claimed_by', '=', by)])]),
      )
      .returning('id')
      .executeTakeFirst();
    if (!updated) await this.refuse(id, 'claim');
    return (await this.get(id))!;
  }

  /** Completes an item the caller claimed (admins may complete any claimed or open item). */
  async complete(
    id: string,
    by: string,
    input: { scorecard: Record<string, unknown>; comments: string | null; evaluation?: NewEvaluation },
    override = false,
  ): Promise<ReviewItemView> {
    const updated = await this.db.transaction().execute(async (trx) => {
      const row = await trx
        .updateTable('review_items')
        .set({
          status: 'completed',
          completed_by: by,
          completed_at: new Date(),
          scorecard: JSON.stringify(input.scorecard),
          comments: input.comments,
          updated_at: sql`now()`,
        })
        .where('id', '=', id)
        .where((eb) =>
          override
            ? eb('status', '<>', 'completed')
            : eb.and([eb('status', '=', 'claimed'), eb('claimed_by', '=', by)]),
        )
        .returning(['id', 'call_id'])
        .executeTakeFirst();
      if (row && input.evaluation) {
        await trx
          .insertInto('evaluations')
          .values({
            review_item_id: row.id,
            call_id: row.call_id,
            form_id: input.evaluation.formId,
            form_version: input.evaluation.formVersion,
            reviewer: by,
            answers: JSON.stringify(input.evaluation.answers),
            score: input.evaluation.score,
            comments: JSON.stringify(input.evaluation.comments),
          })
          .execute();
      }
      return row;
    });
    if (!updated) await this.refuse(id, 'complete');
    return (await this.get(id))!;
  }

  private async refuse(id: string, action: 'claim' | 'complete'): Promise<never> {
    const item = await this.get(id);
    if (!item) throw new EscuchaError('NOT_FOUND', `no review item ${id}`);
    if (item.status === 'completed')
      throw new EscuchaError('CONFLICT', `review item ${id} is already completed`);
    if (action === 'complete' && item.status === 'open') {
      throw new EscuchaError('CONFLICT', `claim review item ${id} before completing it`);
    }
    throw new EscuchaError('CONFLICT', `review item ${id} is claimed by ${item.claimedBy}`);
  }

  private async select(
    refine: (qb: ReturnType<ReviewRepository['base']>) => ReturnType<ReviewRepository['base']>,
  ): Promise<ReviewItemView[]> {
    const rows = await refine(this.base()).execute();
    return rows.map((r) => ({
      id: r.id,
      callId: r.call_id,
      queue: r.queue_id,
      reason: r.reason,
      priority: r.priority,
      status: r.status,
      claimedBy: r.claimed_by,
      claimedAt: r.claimed_at?.toISOString() ?? null,
      completedBy: r.completed_by,
      completedAt: r.completed_at?.toISOString() ?? null,
      scorecard: (r.scorecard as Record<string, unknown> | null) ?? null,
      comments: r.comments,
      createdAt: r.created_at.toISOString(),
      call: {
        startedAt: r.started_at.toISOString(),
        agentId: r.agent_id,
        agentName: r.agent_name,
        team: r.team,
        campaign: r.campaign,
        language: r.language,
        durationMs: r.duration_ms,
      },
      evaluation:
        r.evaluation_id && r.form_id && r.form_version !== null && r.score !== null
          ? {
              id: r.evaluation_id,
              formId: r.form_id,
              formVersion: r.form_version,
              score: r.score,
              comments: (r.evaluation_comments as { atMs: number; text: string }[] | null) ?? [],
            }
          : null,
    }));
  }

  private base() {
    return this.db
      .selectFrom('review_items')
      .innerJoin('calls', 'calls.id', 'review_items.call_id')
      .leftJoin('evaluations', 'evaluations.review_item_id', 'review_items.id')
      .selectAll('review_items')
      .select([
        'calls.started_at',
        'calls.agent_id',
        'calls.agent_name',
        'calls.team',
        'calls.campaign',
        'calls.language',
        'calls.duration_ms',
        'evaluations.id as evaluation_id',
        'evaluations.form_id',
        'evaluations.form_version',
        'evaluations.score',
        'evaluations.comments as evaluation_comments',
      ]);
  }
}
