import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LanguageStage } from '../../../services/pipeline/stages/language.job.ts';
import { requireTools } from '../speech/synthetic-speech.ts';
import { createSpeechHarness, requireFixtureModel, type SpeechHarness } from './speech-harness.ts';

/** The words of the recording disclosure, as the fixture model spells them. */
const DISCLOSURE = ['esta', 'llamada', 'está', 'siendo', 'grabada'];

describe(LanguageStage.name, () => {
  let h: SpeechHarness;

  beforeAll(async () => {
    requireFixtureModel();
    await requireTools('espeak-ng', 'sox', 'ffmpeg');
    h = await createSpeechHarness({ asrModel: 'fixture' });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('transcribes a Spanish call per channel, with the disclosure on the agent channel in the first 15 s', async () => {
    const callId = await h.archiveCall(
      {
        left: [
          { text: 'buenos días, le habla carolina de cobranzas andinas', voice: 'es', at: 0.5 },
          {
            text: 'le informamos que esta llamada está siendo grabada con fines de calidad y seguridad',
            voice: 'es',
            at: 4.5,
          },
          { text: 'tiene un saldo pendiente de quinientos mil pesos', voice: 'es', at: 16 },
        ],
        right: [
          { text: 'sí, con ella habla', voice: 'es', at: 11.5 },
          { text: 'voy a hacer el pago el próximo viernes', voice: 'es', at: 21 },
        ],
      },
      26,
    );
    const language = await h.waitFor(callId, 'language');
    expect(language.status).toBe('done');
    expect(language.model).toBe('fixture (test-only)');
    expect(language.result).toMatchObject({ language: 'es', method: 'text', lowConfidence: false });

    const transcribe = await h.waitFor(callId, 'transcribe');
    expect(transcribe.reason).toBeNull();
    expect(transcribe.status).toBe('done');
    expect(transcribe.model).toBe('fixture (test-only)');

    const info = await h.transcripts.info(callId);
    expect(info).toMatchObject({
      source: 'asr',
      model: 'fixture (test-only)',
      language: 'es',
      languageMethod: 'text',
    });
    const segments = await h.transcripts.segments(callId);
    const agent = segments.filter((s) => s.party === 'agent');
    const customer = segments.filter((s) => s.party === 'customer');
    expect(agent.every((s) => s.channel === 0)).toBe(true);
    expect(customer.every((s) => s.channel === 1)).toBe(true);

    const early = agent
      .filter((s) => s.startMs < 15_000)
      .map((s) => s.text)
      .join(' ');
    for (const w of DISCLOSURE) expect(early.split(' ')).toContain(w);
    const disclosureSegment = agent.find((s) => s.text.includes('grabada'))!;
    const grabada = disclosureSegment.words?.find((w) => w.word === 'grabada');
    expect(grabada).toBeDefined();
    expect(grabada!.startMs).toBeGreaterThan(4500);
    expect(grabada!.endMs).toBeLessThan(15_000);

    const customerText = customer.map((s) => s.text).join(' ');
    expect(customerText, customerText).toMatch(/\bpago\b/);
    expect(customerText).not.toMatch(/grabada/);
    expect(agent.map((s) => s.text).join(' ')).not.toMatch(/pago/);

    // The full-text index: Spanish stemming, accents ignored.
    const found = await h.database.handle.pool.query(
      `SELECT party FROM transcript_segments WHERE call_id = $1 AND ts_config = 'spanish'::regconfig
         AND tsv @@ websearch_to_tsquery('spanish', unaccent($2))`,
      [callId, 'grabación esta'],
    );
    expect(found.rows.length).toBe(0); // "grabación" is not said; stems differ from "grabada"
    const found2 = await h.database.handle.pool.query(
      `SELECT party FROM transcript_segments WHERE call_id = $1 AND tsv @@ websearch_to_tsquery('spanish', unaccent($2))`,
      [callId, 'esta llamada esta siendo grabada'],
    );
    expect(found2.rows.map((r: { party: string }) => r.party)).toEqual(['agent']);
  });

  it('identifies an English call as en and transcribes it', async () => {
    const callId = await h.archiveCall(
      {
        left: [
          { text: 'good morning, this is sarah from north star collections', voice: 'en-us', at: 0.5 },
          { text: 'this call is being recorded for quality and training purposes', voice: 'en-us', at: 5 },
        ],
        right: [
          { text: 'yes, speaking', voice: 'en-us', at: 10 },
          { text: 'I lost my job', voice: 'en-us', at: 13 },
        ],
      },
      16,
    );
    const language = await h.waitFor(callId, 'language');
    expect(language.result).toMatchObject({ language: 'en', method: 'text', lowConfidence: false });
    expect((await h.waitFor(callId, 'transcribe')).status).toBe('done');
    const segments = await h.transcripts.segments(callId);
    expect(
      segments
        .filter((s) => s.party === 'agent')
        .map((s) => s.text)
        .join(' '),
    ).toMatch(/recorded/);
    expect(
      segments
        .filter((s) => s.party === 'customer')
        .map((s) => s.text)
        .join(' '),
    ).toMatch(/speaking/);
    const english = await h.database.handle.pool.query(
      `SELECT count(*)::int AS n FROM transcript_segments WHERE call_id = $1 AND ts_config = 'english'::regconfig`,
      [callId],
    );
    expect(english.rows[0].n).toBe(segments.length);
  });

  it('stores the transcript exactly once when transcription is re-run', async () => {
    const callId = await h.archiveCall(
      { left: [{ text: 'esta llamada está siendo grabada por calidad', voice: 'es', at: 0.5 }], right: [] },
      6,
      { language: 'es' },
    );
    await h.waitFor(callId, 'transcribe');
    const before = await h.transcripts.segments(callId);
    expect(before.length).toBeGreaterThan(0);
    await h.pipeline.enqueue('transcribe', { callId, rerun: true, only: true });
    for (;;) {
      const o = (await h.outcomes.forCall(callId)).find((x) => x.stage === 'transcribe')!;
      if (o.status === 'done' && o.attempts >= 2) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const after = await h.transcripts.segments(callId);
    expect(after.map((s) => [s.party, s.startMs, s.text])).toEqual(
      before.map((s) => [s.party, s.startMs, s.text]),
    );
    expect(after.map((s) => s.id)).not.toEqual(before.map((s) => s.id));
  });
});
