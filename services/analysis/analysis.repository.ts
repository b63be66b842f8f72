import { sql, type Transaction } from 'kysely';
import type { Database, NewRecording, SegmentParty } from '../../models/database.ts';
import type { CallAnalysis, PriorContact } from '../analytics/index.ts';
import type { Db } from '../platform/database.ts';

/**
 * Stored results of the `analytics` stage: the latest analysis per call (typed columns that search filters use,
 * the whole result with evidence as jsonb), every earlier revision in call_analysis_history, keyword counts per
 * party, the redacted transcript, and the redacted audio's recording row.
 */

export interface AnalysisCall {
  id: string;
  startedAt: Date;
  durationMs: number;
  language: string | null;
  region: string | null;
  country: string | null;
  campaign: string | null;
  agentId: string | null;
  customerRef: string | null;
  currency: string | null;
  direction: 'inbound' | 'outbound' | null;
  callerNumber: string | null;
  calleeNumber: string | null;
  disposition: string | null;
}

export interface OriginalRecording {
  objectKey: string;
  format: string;
  codec: string;
  contentType: string;
  channels: number;
  sampleRate: number;
  bitrateKbps: number | null;
  durationMs: number;
}

export interface StoredAnalysis {
  callId: string;
  revision: number;
  analyticsVersion: number;
  language: string;
  disclosureProfile: string;
  disclosureOutcome: 'disclosed' | 'late' | 'partial' | 'missing';
  adherenceScore: number | null;
  adherencePassed: boolean | null;
  adherenceScript: { id: string; version: number } | null;
  promiseToPay: boolean;
  classification: string;
  violations: string[];
  sentiment: { agent: string | null; customer: string | null; overall: string | null };
  piiCount: number;
  result: CallAnalysis;
  updatedAt: string;
}

export class AnalysisRepository {
  constructor(private readonly db: Db) {}

  async call(callId: string): Promise<AnalysisCall | undefined> {
    const r = await this.db.selectFrom('calls').selectAll().where('id', '=', callId).executeTakeFirst();
    if (!r) return undefined;
    return {
      id: r.id,
      startedAt: r.started_at,
      durationMs: r.duration_ms,
      language: r.language,
      region: r.region,
      country: r.country,
      campaign: r.campaign,
      agentId: r.agent_id,
      customerRef: r.customer_ref,
      currency: r.currency,
      direction: r.direction,
      callerNumber: r.caller_number,
      calleeNumber: r.callee_number,
      disposition: r.disposition,
    };
  }

  async originalRecording(callId: string): Promise<OriginalRecording | undefined> {
    const r = await this.db
      .selectFrom('recordings')
      .selectAll()
      .where('call_id', '=', callId)
      .where('kind', '=', 'original')
      .executeTakeFirst();
    if (!r) return undefined;
    return {
      objectKey: r.object_key,
      format: r.format,
      codec: r.codec,
      contentType: r.content_type,
      channels: r.channels,
      sampleRate: r.sample_rate,
      bitrateKbps: r.bitrate_kbps,
      durationMs: r.duration_ms,
    };
  }

  /**
   * Earlier contacts with the same customer in the seven days before this call (Ley 2300 per-day and per-week
   * limits, Regulation F caps): a call counts as a conversation when its analysis found the right party.
   */
  async priorContacts(call: AnalysisCall): Promise<PriorContact[]> {
    if (!call.customerRef) return [];
    const since = new Date(call.startedAt.getTime() - 7 * 86_400_000);
    const rows = await this.db
      .selectFrom('calls')
      .leftJoin('call_analysis', 'call_analysis.call_id', 'calls.id')
      .select(['calls.started_at', 'call_analysis.classification'])
      .where('calls.customer_ref', '=', call.customerRef)
      .where('calls.id', '<>', call.id)
      .where('calls.started_at', '>=', since)
      .where('calls.started_at', '<', call.startedAt)
      .orderBy('calls.started_at')
      .limit(200)
      .execute();
    return rows.map((r) => ({
      at: r.started_at,
      channel: 'call',
      connected: r.classification === 'right_party',
    }));
  }

  /**
   * Replaces the call's analysis (keeping the previous one in the history) in one transaction, with what `within`
   * stores beside it (the promise ledger); returns the revision.
   */
  async store(
    callId: string,
    analysis: CallAnalysis,
    meta: { disclosureProfile: string },
    within?: (trx: Transaction<Database>) => Promise<void>,
  ): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const previous = await trx
        .selectFrom('call_analysis')
        .select(['revision', 'analytics_version', 'result'])
        .where('call_id', '=', callId)
        .forUpdate()
        .executeTakeFirst();
      if (previous) {
        await trx
          .insertInto('call_analysis_history')
          .values({
            call_id: callId,
            revision: previous.revision,
            analytics_version: previous.analytics_version,
            result: JSON.stringify(previous.result),
          })
          .onConflict((oc) => oc.doNothing())
          .execute();
      }
      const revision = (previous?.revision ?? 0) + 1;
      const primary = analysis.promise.primary;
      const row = {
        call_id: callId,
        revision,
        analytics_version: analysis.version,
        language: analysis.language,
        disclosure_profile: meta.disclosureProfile,
        disclosure_outcome: analysis.disclosure.outcome,
        adherence_script_id: analysis.adherence?.scriptId ?? null,
        adherence_script_version: analysis.adherence?.scriptVersion ?? null,
        adherence_score: analysis.adherence?.score ?? null,
        adherence_passed: analysis.adherence?.passed ?? null,
        promise_to_pay: analysis.promise.promised,
        promise_amount: primary?.amount ? String(primary.amount.value) : null,
        promise_currency: primary?.amount?.currency ?? null,
        promise_date: primary?.date ?? null,
        classification: analysis.forbidden.classification,
        violations: analysis.forbidden.violations.map((v) => v.practice),
        sentiment_overall: analysis.sentiment?.overall.label ?? null,
        sentiment_agent: analysis.sentiment?.parties.agent.label ?? null,
        sentiment_agent_score: analysis.sentiment?.parties.agent.score ?? null,
        sentiment_customer: analysis.sentiment?.parties.customer.label ?? null,
        sentiment_customer_score: analysis.sentiment?.parties.customer.score ?? null,
        pii_count: Object.values(analysis.pii.counts).reduce((a, b) => a + (b ?? 0), 0),
        result: JSON.stringify(analysis),
      };
      await trx
        .insertInto('call_analysis')
        .values(row)
        .onConflict((oc) => oc.column('call_id').doUpdateSet({ ...row, updated_at: sql`now()` }))
        .execute();
      await trx.deleteFrom('call_keywords').where('call_id', '=', callId).execute();
      const keywords = analysis.counts.categories.flatMap((c) =>
        Object.entries(c.byParty)
          .filter(([, n]) => (n ?? 0) > 0)
          .map(([party, n]) => ({
            call_id: callId,
            category: c.id,
            party: party as SegmentParty,
            count: n!,
          })),
      );
      if (keywords.length > 0) await trx.insertInto('call_keywords').values(keywords).execute();
      const redacted = {
        call_id: callId,
        segments: JSON.stringify(analysis.redactedTranscript),
        mute_ranges: JSON.stringify(analysis.pii.muteRanges),
        pii_counts: JSON.stringify(analysis.pii.counts),
      };
      await trx
        .insertInto('redacted_transcripts')
        .values(redacted)
        .onConflict((oc) => oc.column('call_id').doUpdateSet({ ...redacted, created_at: sql`now()` }))
        .execute();
      if (within) await within(trx);
      return revision;
    });
  }

  async get(callId: string): Promise<StoredAnalysis | undefined> {
    const r = await this.db
      .selectFrom('call_analysis')
      .selectAll()
      .where('call_id', '=', callId)
      .executeTakeFirst();
    if (!r) return undefined;
    return {
      callId: r.call_id,
      revision: r.revision,
      analyticsVersion: r.analytics_version,
      language: r.language,
      disclosureProfile: r.disclosure_profile,
      disclosureOutcome: r.disclosure_outcome,
      adherenceScore: r.adherence_score,
      adherencePassed: r.adherence_passed,
      adherenceScript:
        r.adherence_script_id && r.adherence_script_version
          ? { id: r.adherence_script_id, version: r.adherence_script_version }
          : null,
      promiseToPay: r.promise_to_pay,
      classification: r.classification,
      violations: r.violations,
      sentiment: { agent: r.sentiment_agent, customer: r.sentiment_customer, overall: r.sentiment_overall },
      piiCount: r.pii_count,
      result: r.result as CallAnalysis,
      updatedAt: r.updated_at.toISOString(),
    };
  }

  async redactedTranscript(
    callId: string,
  ): Promise<{ segments: unknown; muteRanges: unknown; piiCounts: Record<string, number> } | undefined> {
    const r = await this.db
      .selectFrom('redacted_transcripts')
      .selectAll()
      .where('call_id', '=', callId)
      .executeTakeFirst();
    return r ? { segments: r.segments, muteRanges: r.mute_ranges, piiCounts: r.pii_counts } : undefined;
  }

  /** The redacted audio's row (one per call): replaces an earlier one and returns the object key it replaced. */
  async saveRedactedRecording(row: NewRecording): Promise<string | null> {
    return this.db.transaction().execute(async (trx) => {
      const old = await trx
        .selectFrom('recordings')
        .select('object_key')
        .where('call_id', '=', row.call_id)
        .where('kind', '=', 'redacted')
        .executeTakeFirst();
      await trx
        .deleteFrom('recordings')
        .where('call_id', '=', row.call_id)
        .where('kind', '=', 'redacted')
        .execute();
      await trx
        .insertInto('recordings')
        .values({ ...row, kind: 'redacted' })
        .execute();
      return old && old.object_key !== row.object_key ? old.object_key : null;
    });
  }

  /** Removes the redacted audio row (nothing left to mute); returns its object key. */
  async dropRedactedRecording(callId: string): Promise<string | null> {
    const old = await this.db
      .deleteFrom('recordings')
      .where('call_id', '=', callId)
      .where('kind', '=', 'redacted')
      .returning('object_key')
      .executeTakeFirst();
    return old?.object_key ?? null;
  }

  /**
   * The redacted recording becomes the call's only one (kind `original`); the unredacted row is removed. Returns the
   * unredacted object's key, for the caller to delete from the store, or null when there is no redacted copy.
   */
  async promoteRedactedRecording(callId: string, trx: Transaction<Database>): Promise<string | null> {
    const redacted = await trx
      .selectFrom('recordings')
      .select('id')
      .where('call_id', '=', callId)
      .where('kind', '=', 'redacted')
      .executeTakeFirst();
    if (!redacted) return null;
    const original = await trx
      .deleteFrom('recordings')
      .where('call_id', '=', callId)
      .where('kind', '=', 'original')
      .returning('object_key')
      .executeTakeFirst();
    await trx.updateTable('recordings').set({ kind: 'original' }).where('id', '=', redacted.id).execute();
    return original?.object_key ?? null;
  }

  transaction<T>(work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(work);
  }
}
