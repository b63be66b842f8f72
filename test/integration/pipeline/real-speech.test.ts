import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildStereoCall, speechClips, stereoWav, type SpeechClip } from '../../support/real-speech.ts';
import { werCount } from '../../support/wer.ts';
import { createSpeechHarness, type SpeechHarness } from './speech-harness.ts';
import type { Party } from '../../../models/database.ts';

const run = promisify(execFile);

interface Segment {
  party: string;
  text: string;
  startMs: number;
  endMs: number;
}

/**
 * A fresh install's path for a call of real speech: default settings (the default model that npm installs, no
 * ESCUCHA_ASR_MODEL), a stereo recording uploaded through the API with no language, the agent on the left and the
 * customer on the right, as a TDM gateway sends it (8 kHz G.711 µ-law WAV).
 */
describe('a call of real speech through the API, with the default model', () => {
  let h: SpeechHarness;
  const byName = new Map<string, SpeechClip>();

  beforeAll(async () => {
    h = await createSpeechHarness({ asrModel: null, bundledModels: true });
    for (const c of await speechClips({ kind: 'fleurs' })) byName.set(c.name, c);
  });

  afterAll(async () => {
    await h?.close();
  });

  async function uploadCall(turns: [party: Party, clip: string][]) {
    const call = await buildStereoCall(
      turns.map(([party, name]) => ({ party, clip: byName.get(name)! })),
      { telephone: true },
    );
    const wide = path.join(h.root, `call-${Math.random().toString(36).slice(2)}.wav`);
    await writeFile(wide, stereoWav(call));
    const ulaw = wide.replace(/\.wav$/, '-ulaw.wav');
    await run('ffmpeg', [
      '-hide_banner',
      '-loglevel',
      'error',
      '-i',
      wide,
      '-ar',
      '8000',
      '-c:a',
      'pcm_mulaw',
      ulaw,
    ]);
    const res = await request(h.app)
      .post('/api/v1/recordings')
      .set('Authorization', `Bearer ${h.adminKey}`)
      .attach('file', ulaw)
      .field('metadata', JSON.stringify({ campaign: 'mora-30', agentId: 'A-7', direction: 'outbound' }));
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return { id: res.body.id as string, placed: call.turns };
  }

  async function get(url: string, query: Record<string, string> = {}) {
    const res = await request(h.app).get(url).query(query).set('Authorization', `Bearer ${h.adminKey}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body;
  }

  const ids = async (query: Record<string, string>) =>
    ((await get('/api/v1/calls', query)).items as { id: string }[]).map((c) => c.id);

  function partyWer(segments: Segment[], party: string, clips: string[], language: string): number {
    const hyp = segments
      .filter((s) => s.party === party)
      .map((s) => s.text)
      .join(' ');
    const ref = clips.map((c) => byName.get(c)!.reference).join(' ');
    const { errors, words } = werCount(ref, hyp, language);
    return errors / words;
  }

  it(
    'transcribes a Spanish call per party, stores its language on the call, and finds what the customer said',
    { timeout: 300_000 },
    async () => {
      const turns: [party: Party, clip: string][] = [
        ['agent', 'fleurs-es-000'],
        ['customer', 'fleurs-es-003'],
        ['agent', 'fleurs-es-002'],
        ['customer', 'fleurs-es-006'],
        ['agent', 'fleurs-es-004'],
        ['customer', 'fleurs-es-008'],
      ];
      const { id, placed } = await uploadCall(turns);
      expect((await h.waitFor(id, 'transcribe', 240_000)).status).toBe('done');

      const call = await get(`/api/v1/calls/${id}`);
      expect(call.language).toBe('es');
      expect(await ids({ language: 'es' })).toContain(id);
      expect(await ids({ language: 'en' })).not.toContain(id);

      const transcript = await get(`/api/v1/calls/${id}/transcript`);
      expect(transcript).toMatchObject({
        source: 'asr',
        model: 'whisper-base',
        language: 'es',
        languageMethod: 'whisper',
        languageLowConfidence: false,
      });
      expect(transcript.languageConfidence).toBeGreaterThan(0.9);
      const segments = transcript.segments as Segment[];
      const clipsOf = (party: string) => turns.filter(([p]) => p === party).map(([, c]) => c);
      expect(partyWer(segments, 'agent', clipsOf('agent'), 'es')).toBeLessThan(0.25);
      expect(partyWer(segments, 'customer', clipsOf('customer'), 'es')).toBeLessThan(0.25);
      // Each party's words sit in that party's turns.
      for (const s of segments) {
        const mid = (s.startMs + s.endMs) / 2;
        const turn = placed.find((t) => mid >= t.startMs - 1000 && mid <= t.endMs + 1000);
        expect(turn?.party, JSON.stringify(s)).toBe(s.party);
      }

      // "ventarrones" and "luchadores" were said by the customer only, "funeral" by the agent only.
      expect(await ids({ q: 'ventarrones', party: 'customer' })).toContain(id);
      expect(await ids({ q: 'luchadores', party: 'customer' })).toContain(id);
      expect(await ids({ q: 'luchadores', party: 'agent' })).not.toContain(id);
      expect(await ids({ q: 'funeral', party: 'agent' })).toContain(id);
      expect(await ids({ q: 'funeral', party: 'customer' })).not.toContain(id);

      const analysis = await get(`/api/v1/calls/${id}/analysis`);
      const stage = (name: string) =>
        (analysis.stages as { stage: string; model: string | null }[]).find((s) => s.stage === name);
      expect(stage('language')?.model).toBe('whisper-base');
      expect(stage('transcribe')?.model).toBe('whisper-base');
    },
  );

  it(
    'identifies an English call as English and transcribes it in English',
    { timeout: 300_000 },
    async () => {
      const turns: [party: Party, clip: string][] = [
        ['agent', 'fleurs-en-005'],
        ['customer', 'fleurs-en-004'],
        ['agent', 'fleurs-en-009'],
        ['customer', 'fleurs-en-001'],
      ];
      const { id } = await uploadCall(turns);
      expect((await h.waitFor(id, 'transcribe', 240_000)).status).toBe('done');
      expect((await get(`/api/v1/calls/${id}`)).language).toBe('en');
      const transcript = await get(`/api/v1/calls/${id}/transcript`);
      expect(transcript).toMatchObject({ language: 'en', languageMethod: 'whisper' });
      const segments = transcript.segments as Segment[];
      expect(partyWer(segments, 'agent', ['fleurs-en-005', 'fleurs-en-009'], 'en')).toBeLessThan(0.25);
      expect(partyWer(segments, 'customer', ['fleurs-en-004', 'fleurs-en-001'], 'en')).toBeLessThan(0.3);
      expect(await ids({ q: 'feathers', party: 'customer' })).toContain(id);
      expect(await ids({ q: 'feathers', party: 'agent' })).not.toContain(id);
    },
  );
});
