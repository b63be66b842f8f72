import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthesizeCall, requireTools, type Line } from '../speech/synthetic-speech.ts';
import { createSpeechHarness, requireFixtureModel, type SpeechHarness } from './speech-harness.ts';

interface Segment {
  party: string;
  channel: number | null;
  startMs: number;
  endMs: number;
  text: string;
  words: { word: string; startMs: number; endMs: number }[] | null;
}

async function upload(
  h: SpeechHarness,
  lines: { left: Line[]; right: Line[] },
  seconds: number,
  fields: Record<string, unknown> = {},
): Promise<string> {
  const wav = path.join(h.root, `upload-${Math.random().toString(36).slice(2)}.wav`);
  await synthesizeCall(wav, lines, seconds);
  let req = request(h.app)
    .post('/api/v1/recordings')
    .set('Authorization', `Bearer ${h.adminKey}`)
    .attach('file', wav)
    .field('metadata', JSON.stringify(fields.metadata ?? { campaign: 'mora-30', agentId: 'A-7' }));
  if (fields.transcript !== undefined) req = req.field('transcript', JSON.stringify(fields.transcript));
  const res = await req;
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
}

async function settled(
  h: SpeechHarness,
  callId: string,
): Promise<
  Record<string, { status: string; reason: string | null; model?: string | null; result?: unknown }>
> {
  const until = Date.now() + 120_000;
  for (;;) {
    const res = await request(h.app)
      .get(`/api/v1/calls/${callId}/analysis`)
      .set('Authorization', `Bearer ${h.adminKey}`);
    expect(res.status).toBe(200);
    const stages = res.body.stages as { stage: string; status: string; reason: string | null }[];
    if (stages.every((s) => ['done', 'skipped', 'failed'].includes(s.status))) {
      return Object.fromEntries(stages.map((s) => [s.stage, s]));
    }
    if (Date.now() > until)
      throw new Error(`analysis of ${callId} did not finish: ${JSON.stringify(stages)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function search(h: SpeechHarness, query: Record<string, string>): Promise<string[]> {
  const res = await request(h.app)
    .get('/api/v1/calls')
    .query(query)
    .set('Authorization', `Bearer ${h.adminKey}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return (res.body.items as { id: string }[]).map((c) => c.id);
}

const SPANISH = {
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
} satisfies { left: Line[]; right: Line[] };

describe('speech analysis through the API', () => {
  let h: SpeechHarness;
  let spanish: string;

  beforeAll(async () => {
    requireFixtureModel();
    await requireTools('espeak-ng', 'sox', 'ffmpeg');
    h = await createSpeechHarness({ asrModel: 'fixture' });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('transcribes an uploaded Spanish call: disclosure on the agent channel in the first 15 s, language es', async () => {
    spanish = await upload(h, SPANISH, 26);
    const stages = await settled(h, spanish);
    expect(stages.vad!.status).toBe('done');
    expect(stages.language).toMatchObject({ status: 'done', model: 'fixture (test-only)' });
    expect(stages.transcribe).toMatchObject({ status: 'done', model: 'fixture (test-only)' });

    const res = await request(h.app)
      .get(`/api/v1/calls/${spanish}/transcript`)
      .set('Authorization', `Bearer ${h.adminKey}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      source: 'asr',
      model: 'fixture (test-only)',
      language: 'es',
      languageMethod: 'text',
    });
    expect(res.body.languageLowConfidence).toBe(false);
    const segments = res.body.segments as Segment[];
    const early = segments.filter((s) => s.party === 'agent' && s.channel === 0 && s.startMs < 15_000);
    const words = early.flatMap((s) => s.text.split(' '));
    for (const w of ['esta', 'llamada', 'está', 'siendo', 'grabada']) expect(words).toContain(w);
    const grabada = early.flatMap((s) => s.words ?? []).find((w) => w.word === 'grabada');
    expect(grabada!.endMs).toBeLessThan(15_000);
  });

  it('identifies and transcribes an English call as en', async () => {
    const english = await upload(
      h,
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
    await settled(h, english);
    const res = await request(h.app)
      .get(`/api/v1/calls/${english}/transcript`)
      .set('Authorization', `Bearer ${h.adminKey}`);
    expect(res.body.language).toBe('en');
    expect((res.body.segments as Segment[]).map((s) => s.text).join(' ')).toMatch(/recorded/);
  });

  it('finds calls by what a party said, with Spanish stemming and without accents', async () => {
    expect(await search(h, { q: 'pago', party: 'customer' })).toEqual([spanish]);
    // Said only by the agent:
    expect(await search(h, { q: 'grabada', party: 'customer' })).toEqual([]);
    expect(await search(h, { q: 'grabada', party: 'agent' })).toEqual([spanish]);
    expect(await search(h, { q: 'esta llamada esta siendo grabada' })).toEqual([spanish]);
    expect(await search(h, { q: 'pagos', campaign: 'mora-30' })).toEqual([spanish]);
    expect(await search(h, { q: 'pago', campaign: 'otra' })).toEqual([]);
    const bad = await request(h.app)
      .get('/api/v1/calls')
      .query({ party: 'agent' })
      .set('Authorization', `Bearer ${h.adminKey}`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/party filters a transcript search: give q too/);
  });

  it('searches transcripts through the GIN index', async () => {
    const plan = await h.database.handle.pool.query(
      `EXPLAIN SELECT 1 FROM transcript_segments ts WHERE
         (ts.ts_config = 'spanish'::regconfig AND ts.tsv @@ websearch_to_tsquery('spanish', unaccent('grabada')))
      OR (ts.ts_config = 'english'::regconfig AND ts.tsv @@ websearch_to_tsquery('english', unaccent('grabada')))`,
    );
    await h.database.handle.pool.query('SET enable_seqscan = off');
    const forced = await h.database.handle.pool.query(
      `EXPLAIN SELECT 1 FROM transcript_segments ts WHERE
         (ts.ts_config = 'spanish'::regconfig AND ts.tsv @@ websearch_to_tsquery('spanish', unaccent('grabada')))
      OR (ts.ts_config = 'english'::regconfig AND ts.tsv @@ websearch_to_tsquery('english', unaccent('grabada')))`,
    );
    await h.database.handle.pool.query('RESET enable_seqscan');
    const text = forced.rows.map((r: Record<string, string>) => Object.values(r)[0]).join('\n');
    expect(text, plan.rows.map((r: Record<string, string>) => Object.values(r)[0]).join('\n')).toMatch(
      /Bitmap Index Scan on transcript_segments_tsv_idx/,
    );
  });

  it('stores an uploaded transcript with the call, skips vad and transcription, and detects its language', async () => {
    const callId = await upload(h, { left: [{ text: 'hola', voice: 'es', at: 0.3 }], right: [] }, 3, {
      transcript: {
        segments: [
          { party: 'agent', startMs: 0, endMs: 2500, text: 'Buenos días, esta llamada está siendo grabada.' },
          { party: 'customer', startMs: 2600, endMs: 4000, text: 'Sí, mañana le hago la transferencia.' },
        ],
      },
    });
    const stages = await settled(h, callId);
    expect(stages.vad).toMatchObject({ status: 'skipped', reason: 'transcript uploaded' });
    expect(stages.transcribe).toMatchObject({ status: 'skipped', reason: 'transcript uploaded' });
    expect(stages.language).toMatchObject({ status: 'done', result: { language: 'es', method: 'text' } });
    const res = await request(h.app)
      .get(`/api/v1/calls/${callId}/transcript`)
      .set('Authorization', `Bearer ${h.adminKey}`);
    expect(res.body).toMatchObject({ source: 'upload', model: null, language: 'es', languageMethod: 'text' });
    expect((res.body.segments as Segment[]).map((s) => [s.party, s.channel, s.text])).toEqual([
      ['agent', 0, 'Buenos días, esta llamada está siendo grabada.'],
      ['customer', 1, 'Sí, mañana le hago la transferencia.'],
    ]);
    // Re-indexed in Spanish once the language was known: "transferencias" and "transferencia" share a stem.
    expect(await search(h, { q: 'transferencias', party: 'customer' })).toEqual([callId]);
    expect(await search(h, { q: 'transferencias', party: 'agent' })).toEqual([]);
    // The identified language is the call's: shown with it, and found by it.
    const call = await request(h.app)
      .get(`/api/v1/calls/${callId}`)
      .set('Authorization', `Bearer ${h.adminKey}`);
    expect(call.body.language).toBe('es');
    expect(await search(h, { language: 'es', q: 'transferencias' })).toEqual([callId]);
  });

  it('keeps the language given with an uploaded transcript', async () => {
    const callId = await upload(h, { left: [{ text: 'hello', voice: 'en-us', at: 0.3 }], right: [] }, 2, {
      transcript: {
        language: 'en',
        segments: [{ party: 'agent', startMs: 0, endMs: 1000, text: 'Hello there.' }],
      },
    });
    const stages = await settled(h, callId);
    expect(stages.language).toMatchObject({ status: 'done', result: { language: 'en', method: 'upload' } });
    const call = await request(h.app)
      .get(`/api/v1/calls/${callId}`)
      .set('Authorization', `Bearer ${h.adminKey}`);
    expect(call.body.language).toBe('en');
    expect(await search(h, { language: 'en', q: 'hello' })).toEqual([callId]);
  });

  it('refuses a malformed transcript with a clear message and stores nothing', async () => {
    const wav = path.join(h.root, 'bad-transcript.wav');
    await synthesizeCall(wav, { left: [{ text: 'hola', voice: 'es', at: 0.2 }], right: [] }, 2);
    const res = await request(h.app)
      .post('/api/v1/recordings')
      .set('Authorization', `Bearer ${h.adminKey}`)
      .attach('file', wav)
      .field(
        'transcript',
        JSON.stringify({ segments: [{ party: 'robot', startMs: 5, endMs: 1, text: '' }] }),
      );
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/^invalid transcript: segments\.0\.party: .*segments\.0\.text/);
  });

  it('answers 404 for the transcript of a call that has none, pointing at the analysis', async () => {
    const { id } = await h.database.handle.db
      .insertInto('calls')
      .values({ started_at: new Date(), ended_at: new Date(), duration_ms: 0, source: 'seed', custom: '{}' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const res = await request(h.app)
      .get(`/api/v1/calls/${id}/transcript`)
      .set('Authorization', `Bearer ${h.adminKey}`);
    expect(res.status).toBe(404);
    expect(res.body.error.message).toBe(
      `call ${id} has no transcript yet; GET /api/v1/calls/${id}/analysis shows why`,
    );
    const analysis = await request(h.app)
      .get(`/api/v1/calls/${id}/analysis`)
      .set('Authorization', `Bearer ${h.adminKey}`);
    expect(analysis.body.stages.map((s: { status: string }) => s.status)).toEqual([
      'not queued',
      'not queued',
      'not queued',
    ]);
    const missing = await request(h.app)
      .get('/api/v1/calls/00000000-0000-4000-8000-000000000000/analysis')
      .set('Authorization', `Bearer ${h.adminKey}`);
    expect(missing.status).toBe(404);
  });
});

describe('speech analysis without a model', () => {
  let h: SpeechHarness;
  beforeAll(async () => {
    await requireTools('espeak-ng', 'sox', 'ffmpeg');
    h = await createSpeechHarness({ asrModel: null, fixtureDir: '/nonexistent/asr-model' });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('shows transcription skipped with the command that installs a model', async () => {
    const callId = await upload(h, SPANISH, 26, { metadata: { language: 'es' } });
    const stages = await settled(h, callId);
    expect(stages.vad!.status).toBe('done');
    expect(stages.language).toMatchObject({ status: 'done', result: { language: 'es', method: 'metadata' } });
    expect(stages.transcribe!.status).toBe('skipped');
    expect(stages.transcribe!.reason).toMatch(
      /^no ASR model installed — run escucha models fetch whisper-base/,
    );
    const transcript = await request(h.app)
      .get(`/api/v1/calls/${callId}/transcript`)
      .set('Authorization', `Bearer ${h.adminKey}`);
    expect(transcript.status).toBe(200);
    expect(transcript.body.segments).toEqual([]);
    expect(transcript.body.model).toBeNull();
  });
});
