import { sql, type SqlBool } from 'kysely';
import type { Db } from '../platform/database.ts';
import { EscuchaError } from '../platform/errors.ts';
import { lockLatestVersion, versionRow, versionRows } from '../platform/versioned.repository.ts';
import { isUniqueViolation } from '../archive/call.repository.ts';
import { questionSchema, type EvaluationForm, type FormInput } from './evaluation-form.ts';

/**
 * Evaluation forms, every version kept: an update stores a new version, completed evaluations keep the version
 * they used. One active form per campaign, and one default form (campaign null) for all other campaigns.
 */

export interface FormView {
  form: EvaluationForm;
  active: boolean;
  createdBy: string | null;
  createdAt: string;
}

export interface EvaluationView {
  id: string;
  reviewItemId: string | null;
  callId: string;
  formId: string;
  formVersion: number;
  reviewer: string;
  /** The reviewer's username (null for API keys and deleted users). */
  reviewerName: string | null;
  answers: Record<string, unknown>;
  score: number;
  comments: { atMs: number; text: string }[];
  createdAt: string;
}

interface FormRow {
  id: string;
  version: number;
  name: string;
  campaign: string | null;
  questions: unknown;
  active: boolean;
  created_by: string | null;
  created_at: Date;
}

function toView(r: FormRow): FormView {
  return {
    form: {
      id: r.id,
      version: r.version,
      name: r.name,
      campaign: r.campaign,
      questions: questionSchema.array().parse(r.questions),
    },
    active: r.active,
    createdBy: r.created_by,
    createdAt: r.created_at.toISOString(),
  };
}

export class EvaluationFormRepository {
  constructor(private readonly db: Db) {}

  private latest() {
    return this.db
      .selectFrom('evaluation_forms as f')
      .selectAll('f')
      .where(({ eb, selectFrom }) =>
        eb(
          'f.version',
          '=',
          selectFrom('evaluation_forms as g')
            .select((e) => e.fn.max('g.version').as('v'))
            .whereRef('g.id', '=', 'f.id'),
        ),
      );
  }

  /** The latest version of every form (retired ones only when asked), default form first. */
  async list(options: { includeInactive?: boolean } = {}): Promise<FormView[]> {
    let q = this.latest();
    if (!options.includeInactive) q = q.where('f.active', '=', true);
    const rows = await q
      .orderBy('f.campaign', (ob) => ob.asc().nullsFirst())
      .orderBy('f.id')
      .execute();
    return rows.map(toView);
  }

  async get(id: string, version?: number): Promise<FormView> {
    return toView(await versionRow(this.db, 'evaluation_forms', 'evaluation form', id, version));
  }

  async versions(id: string): Promise<FormView[]> {
    return (await versionRows(this.db, 'evaluation_forms', 'evaluation form', id)).map(toView);
  }

  /** The form for a call of this campaign: the campaign's active form, else the active default form. */
  async forCampaign(campaign: string | null): Promise<EvaluationForm | undefined> {
    const rows = await this.latest()
      .where('f.active', '=', true)
      .where((eb) =>
        campaign === null
          ? eb('f.campaign', 'is', null)
          : eb.or([eb('f.campaign', '=', campaign), eb('f.campaign', 'is', null)]),
      )
      .orderBy('f.campaign', (ob) => ob.asc().nullsLast())
      .orderBy('f.created_at', 'desc')
      .limit(1)
      .execute();
    return rows[0] ? toView(rows[0]).form : undefined;
  }

  /** Stores version 1 of a new form; CONFLICT when the id exists or the campaign already has an active form. */
  async create(form: FormInput, createdBy: string): Promise<FormView> {
    return this.db.transaction().execute(async (trx) => {
      await this.assertCampaignFree(trx, form.campaign, form.id);
      try {
        await trx
          .insertInto('evaluation_forms')
          .values({
            id: form.id,
            version: 1,
            name: form.name,
            campaign: form.campaign,
            questions: JSON.stringify(form.questions),
            created_by: createdBy,
          })
          .execute();
      } catch (error) {
        if (isUniqueViolation(error))
          throw new EscuchaError('CONFLICT', `evaluation form ${form.id} exists; PUT a new version`);
        throw error;
      }
      return toView(
        await trx
          .selectFrom('evaluation_forms')
          .selectAll()
          .where('id', '=', form.id)
          .where('version', '=', 1)
          .executeTakeFirstOrThrow(),
      );
    });
  }

  /** Stores the next version of a form (its id cannot change); a retired form becomes active again. */
  async update(id: string, form: FormInput, createdBy: string): Promise<FormView> {
    return this.db.transaction().execute(async (trx) => {
      const latest = await lockLatestVersion(trx, 'evaluation_forms', 'evaluation form', id);
      await this.assertCampaignFree(trx, form.campaign, id);
      const version = latest + 1;
      await trx.updateTable('evaluation_forms').set({ active: true }).where('id', '=', id).execute();
      await trx
        .insertInto('evaluation_forms')
        .values({
          id,
          version,
          name: form.name,
          campaign: form.campaign,
          questions: JSON.stringify(form.questions),
          created_by: createdBy,
        })
        .execute();
      return toView(
        await trx
          .selectFrom('evaluation_forms')
          .selectAll()
          .where('id', '=', id)
          .where('version', '=', version)
          .executeTakeFirstOrThrow(),
      );
    });
  }

  /** Retires a form: its versions stay for the evaluations made with them; new reviews no longer use it. */
  async deactivate(id: string): Promise<void> {
    const r = await this.db
      .updateTable('evaluation_forms')
      .set({ active: false })
      .where('id', '=', id)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) throw new EscuchaError('NOT_FOUND', `no evaluation form ${id}`);
  }

  /** Every evaluation of a call, oldest first (two reviewers of one call: calibration). */
  async evaluationsOfCall(callId: string): Promise<EvaluationView[]> {
    const rows = await this.db
      .selectFrom('evaluations')
      .leftJoin('users', (join) => join.on(sql<SqlBool>`evaluations.reviewer = 'user:' || users.id::text`))
      .selectAll('evaluations')
      .select('users.username')
      .where('evaluations.call_id', '=', callId)
      .orderBy('evaluations.created_at')
      .orderBy('evaluations.id')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      reviewItemId: r.review_item_id,
      callId: r.call_id,
      formId: r.form_id,
      formVersion: r.form_version,
      reviewer: r.reviewer,
      reviewerName: r.username,
      answers: r.answers,
      score: r.score,
      comments: r.comments,
      createdAt: r.created_at.toISOString(),
    }));
  }

  /** The campaign of a call (the form that applies depends on it). */
  async campaignOf(callId: string): Promise<string | null> {
    const row = await this.db
      .selectFrom('calls')
      .select('campaign')
      .where('id', '=', callId)
      .executeTakeFirst();
    if (!row) throw new EscuchaError('CALL_NOT_FOUND', `no call ${callId}`);
    return row.campaign;
  }

  /**
   * Stores an evaluation of a call made outside a review item: a second reviewer scoring a call already reviewed
   * (calibration). CONFLICT when this reviewer already evaluated the call.
   */
  async addCalibration(
    callId: string,
    reviewer: string,
    e: {
      formId: string;
      formVersion: number;
      answers: Record<string, unknown>;
      score: number;
      comments: unknown[];
    },
  ): Promise<EvaluationView> {
    const id = await this.db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(hashtext(${`evaluation:${callId}:${reviewer}`}))`.execute(trx);
      const already = await trx
        .selectFrom('evaluations')
        .select('id')
        .where('call_id', '=', callId)
        .where('reviewer', '=', reviewer)
        .executeTakeFirst();
      if (already) throw new EscuchaError('CONFLICT', `you already evaluated call ${callId}`);
      const row = await trx
        .insertInto('evaluations')
        .values({
          call_id: callId,
          form_id: e.formId,
          form_version: e.formVersion,
          reviewer,
          answers: JSON.stringify(e.answers),
          score: e.score,
          comments: JSON.stringify(e.comments),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return row.id;
    });
    return (await this.evaluationsOfCall(callId)).find((v) => v.id === id)!;
  }

  private async assertCampaignFree(trx: Db, campaign: string | null, id: string): Promise<void> {
    const other = await trx
      .selectFrom('evaluation_forms')
      .select('id')
      .where('active', '=', true)
      .where('id', '<>', id)
      .where((eb) => (campaign === null ? eb('campaign', 'is', null) : eb('campaign', '=', campaign)))
      .limit(1)
      .executeTakeFirst();
    if (other) {
      throw new EscuchaError(
        'CONFLICT',
        campaign === null
          ? `form ${other.id} is already the default form; retire it or give this one a campaign`
          : `form ${other.id} is already the form of campaign ${campaign}`,
      );
    }
  }
}
