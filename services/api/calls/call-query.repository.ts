import { sql, type ExpressionBuilder, type Expression, type SqlBool } from 'kysely';
import type {
  CallDetail,
  CaptureDetail,
  CallSearch,
  CallSummary,
  Page,
  RecordingInfo,
} from '../../../models/call.ts';
import type { CallRow, Database, Party, RecordingRow } from '../../../models/database.ts';
import type { Db } from '../../platform/database.ts';
import { EscuchaError } from '../../platform/errors.ts';
import type { CallAccessRow } from '../../access/call-scope.ts';

/** Read side of the archive: search with keyset pagination, and one call in detail. */

interface Cursor {
  /** Sort value of the last row: ISO time or duration. */
  v: string | number;
  id: string;
}

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

function decodeCursor(raw: string): Cursor {
  try {
    const c = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Cursor;
    if (
      (typeof c.v !== 'string' && typeof c.v !== 'number') ||
      typeof c.id !== 'string' ||
      !/^[0-9a-f-]{36}$/.test(c.id)
    ) {
      throw new Error('shape');
    }
    return c;
  } catch {
    throw new EscuchaError(
      'INVALID_QUERY',
      'cursor is not valid: pass nextCursor from a previous page unchanged',
    );
  }
}

function likeEscape(value: string): string {
  return value.replace(/[\\%_]/g, (m) => `\\${m}`);
}

export function toCallSummary(row: CallRow): CallSummary {
  return {
    id: row.id,
    externalId: row.external_id,
    startedAt: row.started_at.toISOString(),
    endedAt: row.ended_at.toISOString(),
    durationMs: row.duration_ms,
    direction: row.direction,
    callerNumber: row.caller_number,
    calleeNumber: row.callee_number,
    agentId: row.agent_id,
    agentName: row.agent_name,
    team: row.team,
    customerRef: row.customer_ref,
    reason: row.reason,
    disposition: row.disposition,
    product: row.product,
    campaign: row.campaign,
    source: row.source,
    sipCallId: row.sip_call_id,
    language: row.language,
    daysPastDue: row.days_past_due,
    amountDue: row.amount_due === null ? null : Number(row.amount_due),
    currency: row.currency,
    region: row.region,
    country: row.country,
    custom: row.custom,
    createdAt: row.created_at.toISOString(),
  };
}

export function toRecordingInfo(r: RecordingRow): RecordingInfo {
  return {
    id: r.id,
    kind: r.kind,
    storage: r.storage,
    objectKey: r.object_key,
    contentType: r.content_type,
    format: r.format,
    codec: r.codec,
    channels: r.channels,
    sampleRate: r.sample_rate,
    bitrateKbps: r.bitrate_kbps,
    durationMs: r.duration_ms,
    sizeBytes: Number(r.size_bytes),
    sha256: r.sha256,
    sourceFormat: r.source_format,
    sourceCodec: r.source_codec,
    createdAt: r.created_at.toISOString(),
  };
}

type Eb = ExpressionBuilder<Database, 'calls'>;

const EQUALITY_FILTERS = [
  ['agentId', 'agent_id'],
  ['team', 'team'],
  ['customerRef', 'customer_ref'],
  ['reason', 'reason'],
  ['disposition', 'disposition'],
  ['product', 'product'],
  ['campaign', 'campaign'],
  ['region', 'region'],
  ['country', 'country'],
  ['language', 'language'],
  ['source', 'source'],
] as const;

/**
 * The agent names in the archive that contain `text`, accents and case ignored (escucha_fold, migration 0013). A
 * contact center has hundreds or a few thousand agent names however many calls it keeps; they are kept once each,
 * folded, in agent_names (migration 0019), so the search then filters calls by those exact names, which the planner
 * can estimate and serve from an index instead of folding the name of every call it reads.
 */
export async function agentNamesLike(db: Db, text: string): Promise<string[]> {
  const rows = await db
    .selectFrom('agent_names')
    .select('name')
    .where(sql<SqlBool>`folded LIKE escucha_fold(${`%${likeEscape(text)}%`})`)
    .orderBy('name')
    .execute();
  return rows.map((r) => r.name);
}

/**
 * The runs of 5 consecutive digits in a number pattern, non-digits left out ("300 482-19" gives 30048, 00482,
 * 04821 and 48219, each as an integer), as escucha_number_grams (migration 0020) indexes them for each call; none
 * for a pattern of fewer than 5 digits. Every number that contains the pattern holds all of them.
 */
export function numberGrams(pattern: string): number[] {
  const digits = pattern.replace(/[^0-9]/g, '');
  const grams = new Set<number>();
  for (let i = 0; i + 5 <= digits.length; i++) grams.add(Number(digits.slice(i, i + 5)));
  return [...grams];
}

/**
 * Calls whose number in one of `columns` contains `text` as typed (LIKE), found the way its digits allow:
 *
 * - 5 digits or more: the calls that hold all the pattern's 5-digit runs, from the digit index (migration 0020),
 *   far more selective than trigrams of digits; the LIKE then keeps exactly the calls it always matched.
 * - 4 digits: the trigram indexes (migration 0001); about 1 call in 2,000 matches, too few to find by reading the
 *   newest calls in order.
 * - 1 to 3 digits: the newest calls read in order; about 1 call in 50 or more matches, which the trigram indexes
 *   could only hand over by the hundred thousand to be read and sorted (over a second at 10 M calls).
 *
 * The planner must not count the LIKE as a filter of its own where it only confirms the digit index (it would
 * multiply the two estimates: 33,000 calls for a number's 5 last digits, estimated as 100, all read through the
 * index instead of the newest few in order), nor use trigrams for 1 to 3 digits: there it is written `CASE WHEN
 * like THEN true END IS NOT NULL`, the same condition, which the planner estimates as true for nearly every call.
 */
function numberMatch(
  eb: Eb,
  columns: readonly ('caller_number' | 'callee_number')[],
  text: string,
): Expression<SqlBool> {
  const pattern = `%${likeEscape(text)}%`;
  const like = eb.or(columns.map((column) => eb(`calls.${column}`, 'like', pattern)));
  const unestimated = sql<SqlBool>`(CASE WHEN ${like} THEN true END) IS NOT NULL`;
  const grams = numberGrams(text);
  if (grams.length > 0) {
    return eb.and([
      sql<SqlBool>`escucha_number_grams(calls.caller_number, calls.callee_number) @> ${grams}::int[]`,
      unestimated,
    ]);
  }
  return /^\+?[0-9]{1,3}$/.test(text) ? unestimated : like;
}

/**
 * WHERE conditions for a search; exported so later filters (analytics) can compose with them. `agentNames`, when
 * given, are the names `agentNamesLike` found for q.agentName; without them each call's name is folded and compared.
 */
export function searchConditions(
  eb: Eb,
  q: CallSearch,
  resolved: { agentNames?: string[] } = {},
): Expression<SqlBool>[] {
  const and: Expression<SqlBool>[] = [];
  if (q.from) and.push(eb('calls.started_at', '>=', q.from));
  if (q.to) and.push(eb('calls.started_at', '<', q.to));
  if (q.direction) and.push(eb('calls.direction', '=', q.direction));
  for (const [param, column] of EQUALITY_FILTERS) {
    const values = q[param] as string[] | undefined;
    if (!values) continue;
    and.push(
      values.length === 1 ? eb(`calls.${column}`, '=', values[0]!) : eb(`calls.${column}`, 'in', values),
    );
  }
  if (q.currency) and.push(eb('calls.currency', '=', q.currency));
  if (q.sipCallId) and.push(eb('calls.sip_call_id', '=', q.sipCallId));
  if (q.externalId) and.push(eb('calls.external_id', '=', q.externalId));
  if (q.callerNumber) and.push(numberMatch(eb, ['caller_number'], q.callerNumber));
  if (q.calleeNumber) and.push(numberMatch(eb, ['callee_number'], q.calleeNumber));
  if (q.number) and.push(numberMatch(eb, ['caller_number', 'callee_number'], q.number));
  if (q.agentName) {
    // Accents and case ignored ("Gomez" finds "Gómez"), folded by one function (escucha_fold, migration 0013).
    const names = resolved.agentNames;
    if (names) and.push(names.length > 0 ? eb('calls.agent_name', 'in', names) : sql<SqlBool>`false`);
    else
      and.push(
        sql<SqlBool>`escucha_fold(calls.agent_name) like escucha_fold(${`%${likeEscape(q.agentName)}%`})`,
      );
  }
  if (q.minDurationMs !== undefined) and.push(eb('calls.duration_ms', '>=', q.minDurationMs));
  if (q.maxDurationMs !== undefined) and.push(eb('calls.duration_ms', '<=', q.maxDurationMs));
  if (q.minDaysPastDue !== undefined) and.push(eb('calls.days_past_due', '>=', q.minDaysPastDue));
  if (q.maxDaysPastDue !== undefined) and.push(eb('calls.days_past_due', '<=', q.maxDaysPastDue));
  if (q.minAmountDue !== undefined) and.push(eb('calls.amount_due', '>=', String(q.minAmountDue)));
  if (q.maxAmountDue !== undefined) and.push(eb('calls.amount_due', '<=', String(q.maxAmountDue)));
  if (q.q) and.push(transcriptMatch(q.q, q.party));
  and.push(...analyticsConditions(eb, q));
  for (const [key, value] of Object.entries(q.custom ?? {})) {
    // Custom values may have been stored as strings, numbers or booleans: match any of them (GIN-indexed @>).
    const candidates: unknown[] = [value];
    if (value.trim() !== '' && Number.isFinite(Number(value))) candidates.push(Number(value));
    if (value === 'true' || value === 'false') candidates.push(value === 'true');
    and.push(
      eb.or(candidates.map((c) => sql<SqlBool>`calls.custom @> ${JSON.stringify({ [key]: c })}::jsonb`)),
    );
  }
  return and;
}

/** Filters on the text analytics of a call (call_analysis and call_keywords, written by the analytics stage). */
function analyticsConditions(eb: Eb, q: CallSearch): Expression<SqlBool>[] {
  const and: Expression<SqlBool>[] = [];
  const analysis = (build: (a: ExpressionBuilder<Database, 'call_analysis'>) => Expression<SqlBool>) =>
    eb.exists(
      eb
        .selectFrom('call_analysis')
        .select('call_analysis.call_id')
        .whereRef('call_analysis.call_id', '=', 'calls.id')
        .where((a) => build(a as ExpressionBuilder<Database, 'call_analysis'>)),
    );
  if (q.sentiment) {
    const column =
      q.sentimentParty === 'agent'
        ? 'call_analysis.sentiment_agent'
        : q.sentimentParty === 'overall'
          ? 'call_analysis.sentiment_overall'
          : 'call_analysis.sentiment_customer';
    const value = q.sentiment;
    and.push(analysis((a) => a(column, '=', value)));
  }
  if (q.disclosure) {
    const values = q.disclosure;
    and.push(analysis((a) => a('call_analysis.disclosure_outcome', 'in', values)));
  }
  if (q.adherenceBelow !== undefined) {
    const limit = q.adherenceBelow;
    and.push(analysis((a) => a('call_analysis.adherence_score', '<', limit)));
  }
  if (q.promiseToPay !== undefined) {
    const value = q.promiseToPay;
    and.push(analysis((a) => a('call_analysis.promise_to_pay', '=', value)));
  }
  if (q.redacted !== undefined) {
    const value = q.redacted;
    and.push(
      analysis((a) => (value ? a('call_analysis.pii_count', '>', 0) : a('call_analysis.pii_count', '=', 0))),
    );
  }
  if (q.keyword) {
    const keyword = q.keyword;
    const party = q.party;
    and.push(
      eb.exists(
        eb
          .selectFrom('call_keywords')
          .select('call_keywords.call_id')
          .whereRef('call_keywords.call_id', '=', 'calls.id')
          .where('call_keywords.category', '=', keyword)
          .$if(party !== undefined, (qb) => qb.where('call_keywords.party', '=', party!)),
      ),
    );
  }
  return and;
}

/**
 * Calls whose transcript matches a web-search query, optionally said by one party. Each segment is indexed with
 * the text-search configuration of its language (ts_config), so the query is parsed once per configuration and
 * compared with the segments of that configuration: every branch is an indexable `tsv @@ constant` (GIN).
 */
function transcriptMatch(query: string, party: Party | undefined): Expression<SqlBool> {
  const byParty = party ? sql`AND ts.party = ${party}` : sql``;
  return sql<SqlBool>`EXISTS (
    SELECT 1 FROM transcript_segments ts
    WHERE ts.call_id = calls.id ${byParty}
      AND ((ts.ts_config = 'spanish'::regconfig AND ts.tsv @@ websearch_to_tsquery('spanish', unaccent(${query})))
        OR (ts.ts_config = 'english'::regconfig AND ts.tsv @@ websearch_to_tsquery('english', unaccent(${query})))
        OR (ts.ts_config = 'simple'::regconfig AND ts.tsv @@ websearch_to_tsquery('simple', unaccent(${query})))))`;
}

/** The network-capture part of GET /api/v1/calls/:id (migration 0004); null for calls that were not captured. */
async function captureDetailOf(db: Db, callId: string): Promise<CaptureDetail | null> {
  const capture = await db
    .selectFrom('call_captures')
    .selectAll()
    .where('call_id', '=', callId)
    .executeTakeFirst();
  if (!capture) return null;
  const [streams, dtmf, pauses] = await Promise.all([
    db
      .selectFrom('call_rtp_streams')
      .selectAll()
      .where('call_id', '=', callId)
      .orderBy('channel')
      .orderBy('id')
      .execute(),
    db.selectFrom('call_dtmf_events').selectAll().where('call_id', '=', callId).orderBy('start_ms').execute(),
    db.selectFrom('call_pauses').selectAll().where('call_id', '=', callId).orderBy('start_ms').execute(),
  ]);
  return {
    captureId: capture.capture_id,
    recovered: capture.recovered,
    truncated: capture.truncated,
    oneWayAudio: capture.one_way_audio,
    silentChannel: capture.silent_channel,
    oneWayReason: capture.one_way_reason,
    sampleRate: capture.sample_rate,
    notes: capture.notes,
    streams: streams.map((s) => ({
      channel: s.channel,
      label: s.label,
      codec: s.codec,
      payloadType: s.payload_type,
      ssrcs: s.ssrcs.map(Number),
      packets: s.packets,
      expected: s.expected,
      lost: s.lost,
      lossPercent: s.loss_percent,
      duplicated: s.duplicated,
      outOfOrder: s.out_of_order,
      late: s.late,
      jitterMs: s.jitter_ms,
      maxJitterMs: s.max_jitter_ms,
      rFactor: s.r_factor,
      mos: s.mos,
      startMs: s.start_ms,
      durationMs: s.duration_ms,
      levelDbfs: s.level_dbfs,
      rtcp: s.rtcp,
      audio: s.audio,
      srtp: s.srtp,
    })),
    dtmf: dtmf.map((d) => ({
      channel: d.channel,
      digit: d.digit,
      startMs: d.start_ms,
      durationMs: d.duration_ms,
      method: d.method,
    })),
    pauses: pauses.map((p) => ({ startMs: p.start_ms, endMs: p.end_ms, reason: p.reason })),
  };
}

export class CallQueryRepository {
  constructor(private readonly db: Db) {}

  async search(q: CallSearch, extra?: (eb: Eb) => Expression<SqlBool>[]): Promise<Page<CallSummary>> {
    const byDuration = q.sort === 'durationMs' || q.sort === '-durationMs';
    const desc = q.sort.startsWith('-');
    const column = byDuration ? 'calls.duration_ms' : 'calls.started_at';
    const cursor = q.cursor ? decodeCursor(q.cursor) : undefined;
    if (cursor && byDuration !== (typeof cursor.v === 'number')) {
      throw new EscuchaError('INVALID_QUERY', 'cursor belongs to another sort order');
    }
    const agentNames = q.agentName ? await agentNamesLike(this.db, q.agentName) : undefined;
    const order = desc ? 'desc' : 'asc';
    // Two steps: the ids of the page first, then their rows. The first step reads only what the conditions need,
    // which an index that carries the filtered columns (migration 0019) serves without reading the rows it skips;
    // only the page's rows are then read.
    const pageIds = this.db
      .selectFrom('calls')
      .select('calls.id')
      .where((eb) => {
        const and = searchConditions(eb, q, agentNames ? { agentNames } : {});
        if (extra) and.push(...extra(eb));
        if (cursor) {
          const v = byDuration ? cursor.v : new Date(cursor.v as string);
          and.push(
            desc
              ? sql<SqlBool>`(${sql.ref(column)}, calls.id) < (${v}, ${cursor.id}::uuid)`
              : sql<SqlBool>`(${sql.ref(column)}, calls.id) > (${v}, ${cursor.id}::uuid)`,
          );
        }
        return eb.and(and);
      })
      .orderBy(column, order)
      .orderBy('calls.id', order)
      .limit(q.limit + 1);
    const rows = await this.db
      .selectFrom('calls')
      .selectAll('calls')
      .where('calls.id', 'in', pageIds)
      .orderBy(column, order)
      .orderBy('calls.id', order)
      .execute();
    const hasMore = rows.length > q.limit;
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return {
      items: page.map(toCallSummary),
      nextCursor:
        hasMore && last
          ? encodeCursor({ v: byDuration ? last.duration_ms : last.started_at.toISOString(), id: last.id })
          : null,
    };
  }

  /** What access to one call is decided from (access/call-scope.ts callAccessOf); undefined when there is none. */
  async accessFacts(callId: string): Promise<CallAccessRow | undefined> {
    const row = await this.db
      .selectFrom('calls')
      .select((eb) => [
        'calls.agent_id',
        'calls.team',
        'calls.language',
        eb
          .exists(
            eb
              .selectFrom('recordings')
              .select('recordings.id')
              .whereRef('recordings.call_id', '=', 'calls.id')
              .where('recordings.kind', '=', 'redacted'),
          )
          .as('has_redacted'),
      ])
      .where('calls.id', '=', callId)
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      agentId: row.agent_id,
      team: row.team,
      language: row.language,
      hasRedacted: Boolean(row.has_redacted),
    };
  }

  async get(id: string): Promise<CallDetail> {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) {
      throw new EscuchaError('CALL_NOT_FOUND', `no call ${id}`);
    }
    const row = await this.db.selectFrom('calls').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new EscuchaError('CALL_NOT_FOUND', `no call ${id}`);
    const [participants, recordings, capture] = await Promise.all([
      this.db.selectFrom('participants').selectAll().where('call_id', '=', id).orderBy('channel').execute(),
      this.db.selectFrom('recordings').selectAll().where('call_id', '=', id).orderBy('kind').execute(),
      captureDetailOf(this.db, id),
    ]);
    return {
      ...toCallSummary(row),
      participants: participants.map((p) => ({
        role: p.role,
        channel: p.channel,
        name: p.name,
        number: p.number,
        participantRef: p.participant_ref,
      })),
      recordings: recordings.map(toRecordingInfo),
      ...(capture ? { capture } : {}),
    };
  }

  async recording(callId: string, kind: 'original' | 'redacted' = 'original'): Promise<RecordingRow> {
    await this.get(callId);
    const row = await this.db
      .selectFrom('recordings')
      .selectAll()
      .where('call_id', '=', callId)
      .where('kind', '=', kind)
      .executeTakeFirst();
    if (!row) throw new EscuchaError('NOT_FOUND', `call ${callId} has no ${kind} recording`);
    return row;
  }
}
