import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TranscribeStage } from '../../../services/pipeline/stages/transcribe.job.ts';
import { requireTools } from '../speech/synthetic-speech.ts';
import { createSpeechHarness, type SpeechHarness } from './speech-harness.ts';

describe(TranscribeStage.name, () => {
  let h: SpeechHarness;

  beforeAll(async () => {
    await requireTools('espeak-ng', 'sox', 'ffmpeg');
    // No model installed: an empty models folder and no trained fixture where the stages look for one.
    h = await createSpeechHarness({ asrModel: null, fixtureDir: path.join('/nonexistent', 'asr-model') });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('stores speech segments per channel, then skips transcription with the command that installs a model', async () => {
    const callId = await h.archiveCall(
      {
        left: [{ text: 'buenos días, esta llamada está siendo grabada', voice: 'es', at: 0.5 }],
        right: [{ text: 'sí, dígame', voice: 'es', at: 5 }],
      },
      8,
      { language: 'es' },
    );
    const vad = await h.waitFor(callId, 'vad');
    expect(vad.status).toBe('done');
    const speech = await h.transcripts.speechSegments(callId);
    const left = speech.filter((s) => s.channel === 0);
    const right = speech.filter((s) => s.channel === 1);
    expect(left.length).toBeGreaterThan(0);
    expect(right.length).toBeGreaterThan(0);
    expect(left[0]!.startMs).toBeGreaterThan(300);
    expect(left[0]!.startMs).toBeLessThan(1000);
    expect(right[0]!.startMs).toBeGreaterThan(4700);
    expect(vad.result).toMatchObject({
      channels: [
        { channel: 0, party: 'agent' },
        { channel: 1, party: 'customer' },
      ],
    });

    const language = await h.waitFor(callId, 'language');
    expect(language).toMatchObject({
      status: 'done',
      result: { language: 'es', method: 'metadata', confidence: 1 },
    });

    const transcribe = await h.waitFor(callId, 'transcribe');
    expect(transcribe.status).toBe('skipped');
    expect(transcribe.reason).toMatch(/^no ASR model installed — run escucha models fetch whisper-base/);
    expect(await h.transcripts.segments(callId)).toEqual([]);
  });

  it('skips language identification too when the call gives no language and nothing can identify it', async () => {
    const callId = await h.archiveCall(
      { left: [{ text: 'this call is being recorded', voice: 'en-us', at: 0.5 }], right: [] },
      5,
    );
    const language = await h.waitFor(callId, 'language');
    expect(language.status).toBe('skipped');
    expect(language.reason).toMatch(/^no ASR model installed — run escucha models fetch /);
    const transcribe = await h.waitFor(callId, 'transcribe');
    expect(transcribe.status).toBe('skipped');
    expect(transcribe.reason).toMatch(/^no ASR model installed — run escucha models fetch /);
    expect((await h.transcripts.info(callId))?.language ?? null).toBeNull();
  });

  it('names the configured model when ESCUCHA_ASR_MODEL selects one that is not installed', async () => {
    const other = await createSpeechHarness({ asrModel: 'es=nemo-ctc-es,en=zipformer-en', work: false });
    try {
      const callId = await other.archiveCall(
        { left: [{ text: 'hola', voice: 'es', at: 0.3 }], right: [] },
        3,
        { language: 'es' },
      );
      const stage = other.speech.handlers.find((x) => x.stage === 'transcribe')!;
      const outcome = await stage.run({ callId }, { log: undefined as never, jobId: 'test', attempt: 1 });
      expect(outcome).toEqual({
        status: 'skipped',
        reason:
          'no ASR model installed — run escucha models fetch nemo-ctc-es (selected by ESCUCHA_ASR_MODEL)',
      });
    } finally {
      await other.close();
    }
  });
});
