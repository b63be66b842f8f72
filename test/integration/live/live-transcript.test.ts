import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configuredProfile, createBuiltInPhrases } from '../../../services/analytics/index.ts';
import { createSentimentAnalyzer } from '../../../services/analytics/sentiment/index.ts';
import { CallAlerts } from '../../../services/live/alert.rules.ts';
import { LiveHub, type LiveAlert, type LiveTranscriptLine } from '../../../services/live/live.hub.ts';
import { LiveRepository } from '../../../services/live/live.repository.ts';
import { VadWorkerSource } from '../../../services/live/live.segmentation.ts';
import { recognizerOf } from '../../../services/live/live.setup.ts';
import { LiveTranscriber } from '../../../services/live/live.transcriber.ts';
import { silentLogger } from '../../../services/platform/logger.ts';
import { Transcription } from '../../../services/transcripts/transcription.service.ts';
import { phonePcm } from '../../support/phone-speech.ts';
import { SPEECH_DIR } from '../../support/real-speech.ts';
import { createSpeechHarness, type SpeechHarness } from '../pipeline/speech-harness.ts';

/**
 * The live transcript end to end, with the real pieces: a call's real speech (FLEURS Spanish, at a phone line's
 * 8 kHz) played into the live hub as capture plays it out, Silero VAD in its worker thread, the default Whisper model
 * in the recogniser pool, the lines and alerts in PostgreSQL; then the post-call transcribe stage of the archived
 * call storing the live lines instead of transcribing it again.
 */
describe('live transcript and alerts of a call in progress', () => {
  let harness: SpeechHarness;
  let live: LiveRepository;

  beforeAll(async () => {
    harness = await createSpeechHarness({ asrModel: null, bundledModels: true, work: false });
    live = new LiveRepository(harness.database.handle.db);
  }, 180_000);

  afterAll(async () => {
    await harness?.close();
  });

  it('transcribes each utterance as it ends, raises the disclosure alert, and the transcribe stage reuses the lines', async () => {
    const hub = new LiveHub({ logger: silentLogger(), levels: false });
    const source = new VadWorkerSource();
    await source.ready();
    const phrases = createBuiltInPhrases();
    const transcriber = new LiveTranscriber({
      hub,
      repository: live,
      source,
      recognizer: recognizerOf({ asrModel: undefined }, harness.speech.recognizers),
      alerts: () =>
        new CallAlerts({
          language: 'es',
          profile: configuredProfile('generic', { windowMs: 8000 }),
          phrases,
          sentiment: createSentimentAnalyzer(),
        }),
      languages: ['es', 'en'],
      maxRecognitions: 1,
      maxCalls: 8,
      queueSeconds: 600,
      // The test plays the call much faster than real time: let the detector's backlog grow.
      maxBacklogMs: 600_000,
      logger: silentLogger(),
    });
    transcriber.start();
    const lines: LiveTranscriptLine[] = [];
    const alerts: LiveAlert[] = [];
    hub.on('line', (l) => lines.push(l));
    hub.on('alert', (a) => alerts.push(a));

    const captureId = 'c0a80101-7b2d-4e8f-9a61-5d3e2f1b4c77';
    const t0 = Date.UTC(2026, 0, 5, 15, 0, 0);
    hub.started({
      captureId,
      source: 'sip',
      startedAtMs: t0,
      metadata: { agentId: 'A-7', team: 'norte', language: 'es' } as never,
      pausedSinceMs: null,
    });
    // The agent reads one recording, then the customer another: neither gives the recording notice.
    const agent = await phonePcm(path.join(SPEECH_DIR, 'fleurs-es-000.ogg'));
    const customer = await phonePcm(path.join(SPEECH_DIR, 'fleurs-es-001.ogg'));
    const customerAt = agent.length + 8000;
    const play = (channel: number, pcm: Int16Array, at: number) => {
      for (let i = 0; i < pcm.length; i += 160) {
        const position = at + i;
        hub.audio(captureId, {
          channel,
          track: 0,
          sampleRate: 8000,
          position,
          arrivalMs: t0 + position / 8,
          samples: pcm.subarray(i, i + 160),
          voiced: true,
        });
      }
    };
    play(0, agent, 0);
    play(1, customer, customerAt);
    hub.ended(captureId, t0 + (customerAt + customer.length) / 8, 'bye');
    await transcriber.idle();
    await transcriber.stop();

    // Lines of both parties, on the call's clock, with real words of what was read.
    expect(lines.some((l) => l.party === 'agent')).toBe(true);
    expect(lines.some((l) => l.party === 'customer')).toBe(true);
    const customerStartMs = customerAt / 8;
    for (const l of lines) {
      expect(l.endMs).toBeGreaterThan(l.startMs);
      if (l.party === 'customer') expect(l.startMs).toBeGreaterThanOrEqual(customerStartMs - 500);
      else expect(l.endMs).toBeLessThanOrEqual(customerStartMs + 500);
    }
    const said = lines.map((l) => l.text.toLowerCase()).join(' ');
    expect(said.split(/\s+/).length).toBeGreaterThan(15);
    const stored = await live.lines(captureId);
    expect(stored.map((l) => l.text)).toEqual(
      [...lines].sort((a, b) => a.startMs - b.startMs || a.channel - b.channel).map((l) => l.text),
    );
    const state = await live.state(captureId);
    expect(state).toMatchObject({ ended: true, complete: true, dropped: 0, agentId: 'A-7', team: 'norte' });
    expect(state!.recognised).toBe(state!.utterances);

    // The recording notice was never given: the alert came when the window closed, and it is stored.
    const disclosure = alerts.filter((a) => a.kind === 'disclosure_missing');
    expect(disclosure).toHaveLength(1);
    expect(disclosure[0]!.detail).toMatch(/^generic: recorded/);
    const listed = await live.alerts({ captureId, limit: 10 });
    expect(listed.map((a) => a.alertId)).toContain(disclosure[0]!.alertId);

    // The call is archived (its capture id in call_captures): transcription stores the live lines.
    const callId = await harness.archiveCall(
      { left: [{ text: 'hola', voice: 'es', at: 0.5 }], right: [] },
      3,
      { language: 'es' },
    );
    await harness.database.handle.db
      .insertInto('call_captures')
      .values({
        call_id: callId,
        capture_id: captureId,
        source: 'sip',
        recovered: false,
        truncated: false,
        one_way_audio: false,
        silent_channel: null,
        one_way_reason: null,
        sample_rate: 8000,
        notes: JSON.stringify([]),
      })
      .execute();
    const outcome = await new Transcription({ ...harness.speech.deps, live }).transcribe(callId);
    expect(outcome).toMatchObject({
      status: 'done',
      model: state!.model,
      result: { reused: 'live transcript', segments: stored.length },
    });
    const segments = await harness.transcripts.segments(callId);
    expect(segments.map((s) => s.text)).toEqual(stored.map((l) => l.text));
    expect((await live.alerts({ captureId, limit: 10 })).every((a) => a.callId === callId)).toBe(true);
  }, 300_000);
});
