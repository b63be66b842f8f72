import { sql, type Transaction } from 'kysely';
import type { Database, SegmentParty } from '../../models/database.ts';
import type { Db } from '../platform/database.ts';
import { EscuchaError } from '../platform/errors.ts';
import type { SpeechInput } from './speech-input.ts';

/** Full-text configuration of a transcript language; anything but Spanish and English is indexed without stemming. */
export type TsConfig = 'spanish' | 'english' | 'simple';

export function tsConfigFor(language: string | null | undefined): TsConfig {
  if (language === 'es') return 'spanish';
  if (language === 'en') return 'english';
  return 'simple';
}

export interface WordTiming {
  word: string;
  startMs: number;
  endMs: number;
}

export interface NewTranscriptSegment {
  party: SegmentParty;
  channel: number | null;
  startMs: number;
  endMs: number;
  text: string;
  confidence: number | null;
  words: WordTiming[] | null;
}

export interface TranscriptSegmentView extends NewTranscriptSegment {
  id: string;
}

export interface TranscriptInfo {
  callId: string;
  language: string | null;
  languageConfidence: number | null;
  languageLowConfidence: boolean;
  languageMethod: string | null;
  source: 'asr' | 'upload';
  model: string | null;
  createdAt: string;
}

export interface LanguageResult {
  language: string;
  confidence: number | null;
  lowConfidence: boolean;
  method: string;
}

export interface ChannelSpeech {
  channel: number;
  segments: { startMs: number; endMs: number }[];
}

const BATCH = 500;

/**
 * Transcripts, their segments (with the tsvector computed in SQL as to_tsvector(config, unaccent(text))) and the VAD
 * speech segments. Every write replaces the earlier result for the call in one transaction, so stages can be re-run
 * and a retried job never leaves duplicates.
 */
export class TranscriptRepository {
  constructor(private readonly db: Db) {}

  /** The call as the speech stages see it (its original recording, the newest); undefined when it is gone. */
  async speechInput(callId: string): Promise<SpeechInput | undefined> {
    const call = await this.db
      .selectFrom('calls')
      .select(['id', 'language'])
      .where('id', '=', callId)
      .executeTakeFirst();
    if (!call) return undefined;
    const [recording, participants] = await Promise.all([
      this.db
        .selectFrom('recordings')
        .select(['object_key', 'channels', 'duration_ms'])
        .where('call_id', '=', callId)
        .where('kind', '=', 'original')
        .orderBy('created_at', 'desc')
        .executeTakeFirst(),
      this.db.selectFrom('participants').select(['role', 'channel']).where('call_id', '=', callId).execute(),
    ]);
    return {
      callId,
      language: call.language,
      recording: recording
        ? { objectKey: recording.object_key, channels: recording.channels, durationMs: recording.duration_ms }
        : null,
      participants,
    };
  }

  async replaceSpeechSegments(callId: string, channels: ChannelSpeech[]): Promise<number> {
    let n = 0;
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('speech_segments').where('call_id', '=', callId).execute();
      const rows = channels.flatMap((c) =>
        c.segments.map((s) => ({
          call_id: callId,
          channel: c.channel,
          start_ms: s.startMs,
          end_ms: s.endMs,
        })),
      );
      n = rows.length;
      for (let i = 0; i < rows.length; i += BATCH) {
        await trx
          .insertInto('speech_segments')
          .values(rows.slice(i, i + BATCH))
          .execute();
      }
    });
    return n;
  }

  async speechSegments(callId: string): Promise<{ channel: number; startMs: number; endMs: number }[]> {
    const rows = await this.db
      .selectFrom('speech_segments')
      .select(['channel', 'start_ms', 'end_ms'])
      .where('call_id', '=', callId)
      .orderBy('start_ms')
      .orderBy('channel')
      .execute();
    return rows.map((r) => ({ channel: r.channel, startMs: r.start_ms, endMs: r.end_ms }));
  }

  async info(callId: string): Promise<TranscriptInfo | undefined> {
    const r = await this.db
      .selectFrom('transcripts')
      .selectAll()
      .where('call_id', '=', callId)
      .executeTakeFirst();
    if (!r) return undefined;
    return {
      callId: r.call_id,
      language: r.language,
      languageConfidence: r.language_confidence,
      languageLowConfidence: r.language_low_confidence,
      languageMethod: r.language_method,
      source: r.source,
      model: r.model,
      createdAt: r.created_at.toISOString(),
    };
  }

  /**
   * Stores the language of a call on its transcript (created, source asr, when there is none yet) and on the call
   * itself, so that search by language finds it: a language given with the recording stays; one identified earlier is
   * replaced by the new identification.
   */
  async setLanguage(callId: string, result: LanguageResult): Promise<void> {
    const values = {
      language: result.language,
      language_confidence: result.confidence,
      language_low_confidence: result.lowConfidence,
      language_method: result.method,
    };
    await this.db.transaction().execute(async (trx) => {
      const before = await trx
        .selectFrom('transcripts')
        .select(['language', 'language_method'])
        .where('call_id', '=', callId)
        .executeTakeFirst();
      const identified = before?.language_method === 'whisper' || before?.language_method === 'text';
      await trx
        .updateTable('calls')
        .set({ language: result.language })
        .where('id', '=', callId)
        .where((eb) =>
          identified && before?.language
            ? eb.or([eb('language', 'is', null), eb('language', '=', before.language)])
            : eb('language', 'is', null),
        )
        .execute();
      await trx
        .insertInto('transcripts')
        .values({ call_id: callId, source: 'asr', ...values })
        .onConflict((oc) => oc.column('call_id').doUpdateSet(values))
        .execute();
    });
  }

  /**
   * Replaces the ASR segments of a call in one transaction. Refuses to overwrite an uploaded transcript: that is the
   * reference the customer gave us.
   */
  async replaceAsrSegments(
    callId: string,
    options: { model: string; language: string | null },
    segments: NewTranscriptSegment[],
  ): Promise<void> {
    const { model } = options;
    await this.db.transaction().execute(async (trx) => {
      const existing = await trx
        .selectFrom('transcripts')
        .select(['source', 'language'])
        .where('call_id', '=', callId)
        .forUpdate()
        .executeTakeFirst();
      if (existing?.source === 'upload') {
        throw new EscuchaError(
          'CONFLICT',
          `call ${callId} has an uploaded transcript; ASR results are not stored over it`,
        );
      }
      if (existing) {
        await trx
          .updateTable('transcripts')
          .set({ model, created_at: new Date() })
          .where('call_id', '=', callId)
          .execute();
      } else {
        await trx.insertInto('transcripts').values({ call_id: callId, source: 'asr', model }).execute();
      }
      await trx.deleteFrom('transcript_segments').where('call_id', '=', callId).execute();
      await insertSegments(trx, callId, tsConfigFor(options.language ?? existing?.language), segments);
    });
  }

  /**
   * Stores a transcript that came with the recording (source upload). Runs on the caller's transaction (the archive
   * transaction) so the call and its transcript appear together.
   */
  async storeUpload(
    executor: Db,
    callId: string,
    transcript: {
      language: string | null;
      /** `upload` (given with the transcript) or `metadata` (given with the call); null = identify it later. */
      languageMethod: 'upload' | 'metadata' | null;
      segments: {
        party: SegmentParty;
        channel: number | null;
        startMs: number;
        endMs: number;
        text: string;
      }[];
    },
  ): Promise<void> {
    const known = Boolean(transcript.language && transcript.languageMethod);
    await executor
      .insertInto('transcripts')
      .values({
        call_id: callId,
        source: 'upload',
        language: known ? transcript.language : null,
        language_confidence: known ? 1 : null,
        language_low_confidence: false,
        language_method: known ? transcript.languageMethod : null,
        model: null,
      })
      .execute();
    await insertSegments(
      executor,
      callId,
      tsConfigFor(known ? transcript.language : null),
      transcript.segments.map((s) => ({ ...s, confidence: null, words: null })),
    );
  }

  /** Re-indexes the segments of a call after its language is known (uploads without a language). */
  async reindex(callId: string, language: string | null): Promise<void> {
    const cfg = tsConfigFor(language);
    await this.db
      .updateTable('transcript_segments')
      .set({
        ts_config: sql<string>`${cfg}::regconfig`,
        tsv: sql<string>`to_tsvector(${cfg}::regconfig, unaccent(text))`,
      })
      .where('call_id', '=', callId)
      .execute();
  }

  /**
   * Indexes some segments (by id) for search by their redacted text, their own text kept: no search finds a call by
   * a card or identity number said in it, whoever searches. Inside `trx` when given.
   */
  async indexRedacted(
    callId: string,
    texts: readonly { id: string; text: string }[],
    trx?: Transaction<Database>,
  ): Promise<void> {
    const executor = trx ?? this.db;
    for (const t of texts) {
      await executor
        .updateTable('transcript_segments')
        .set({ tsv: sql<string>`to_tsvector(ts_config, unaccent(${t.text}))` })
        .where('call_id', '=', callId)
        .where('id', '=', t.id)
        .execute();
    }
  }

  /**
   * Overwrites the text of some segments (by id) and drops their word timings, re-indexing them — used when the
   * policy discards the unredacted transcript. Inside `trx` when given.
   */
  async replaceTexts(
    callId: string,
    texts: readonly { id: string; text: string }[],
    trx?: Transaction<Database>,
  ): Promise<number> {
    const executor = trx ?? this.db;
    let n = 0;
    for (const t of texts) {
      const r = await executor
        .updateTable('transcript_segments')
        .set({
          text: t.text,
          words: null,
          tsv: sql<string>`to_tsvector(ts_config, unaccent(${t.text}))`,
        })
        .where('call_id', '=', callId)
        .where('id', '=', t.id)
        .executeTakeFirst();
      n += Number(r.numUpdatedRows);
    }
    return n;
  }

  async segments(callId: string): Promise<TranscriptSegmentView[]> {
    const rows = await this.db
      .selectFrom('transcript_segments')
      .select(['id', 'party', 'channel', 'start_ms', 'end_ms', 'text', 'confidence', 'words'])
      .where('call_id', '=', callId)
      .orderBy('start_ms')
      .orderBy('id')
      .execute();
    return rows.map((r) => ({
      id: String(r.id),
      party: r.party,
      channel: r.channel,
      startMs: r.start_ms,
      endMs: r.end_ms,
      text: r.text,
      confidence: r.confidence,
      words: (r.words as WordTiming[] | null) ?? null,
    }));
  }
}

async function insertSegments(
  executor: Db,
  callId: string,
  cfg: TsConfig,
  segments: NewTranscriptSegment[],
): Promise<void> {
  const rows = segments.map((s) => ({
    call_id: callId,
    party: s.party,
    channel: s.channel,
    start_ms: Math.round(s.startMs),
    end_ms: Math.round(s.endMs),
    text: s.text,
    confidence: s.confidence,
    words: s.words === null ? null : JSON.stringify(s.words),
    ts_config: sql<string>`${cfg}::regconfig`,
    tsv: sql<string>`to_tsvector(${cfg}::regconfig, unaccent(${s.text}))`,
  }));
  for (let i = 0; i < rows.length; i += BATCH) {
    await executor
      .insertInto('transcript_segments')
      .values(rows.slice(i, i + BATCH))
      .execute();
  }
}
