import type { LanguageGuess } from '../../speech/language-id.ts';
import { chooseModel, NO_MODEL_PREFIX } from '../../speech/model-selection.ts';
import { modelLabel, suggestedModel } from '../../speech/model-manifest.ts';
import { sliceSegments } from '../../speech/segments.ts';
import type { StageHandler } from '../pipeline.ts';
import type { StageOutcome, StagePayload } from '../jobs.ts';
import { loadCallInput, type CallInput, type SpeechStageDeps } from './speech-stage.context.ts';

/** How much speech the language is decided on. */
const SAMPLE_SPEECH_MS = 30_000;
const WHISPER_CLIPS = 3;

interface Clip {
  channel: number;
  startMs: number;
  samples: Float32Array;
}

/**
 * Stage `language`: the call's language, restricted to ESCUCHA_LANGUAGES, stored on the transcript with a confidence,
 * a low-confidence flag and the method:
 *  - `metadata`: the language given with the recording;
 *  - `upload`: the language given with an uploaded transcript (else its text is identified: `text`);
 *  - `whisper`: Whisper spoken-language identification on the first speech, when a multilingual Whisper is installed;
 *  - `text`: text identification of an ASR pass over the first ~30 s of speech with each language's model.
 */
export class LanguageStage implements StageHandler<'language'> {
  readonly stage = 'language' as const;
  readonly version = 1;

  constructor(private readonly deps: SpeechStageDeps) {}

  async run(payload: StagePayload): Promise<StageOutcome> {
    const { callId } = payload;
    const { transcripts, languages } = this.deps;
    const info = await transcripts.info(callId);
    if (info?.source === 'upload') {
      if (info.language && (info.languageMethod === 'upload' || info.languageMethod === 'metadata')) {
        return {
          status: 'done',
          result: {
            language: info.language,
            method: info.languageMethod,
            confidence: 1,
            lowConfidence: false,
          },
        };
      }
      const text = (await transcripts.segments(callId)).map((s) => s.text).join(' ');
      const guess = this.deps.textLanguageId.identify(text);
      await this.store(callId, guess);
      await transcripts.reindex(callId, guess.language);
      return { status: 'done', result: guess };
    }
    const input = await loadCallInput(this.deps.db, callId);
    if (!input) return { status: 'skipped', reason: 'call not found (deleted?)' };
    if (input.language) {
      const guess: LanguageGuess = {
        language: input.language.toLowerCase().slice(0, 2),
        confidence: 1,
        lowConfidence: false,
        method: 'metadata',
      };
      await this.store(callId, guess);
      return { status: 'done', result: guess };
    }
    if (!input.recording) return { status: 'skipped', reason: 'the call has no recording' };
    const speech = await transcripts.speechSegments(callId);
    if (speech.length === 0) return { status: 'skipped', reason: 'no speech found by the VAD' };
    const clips = await this.firstSpeech(input, speech);

    const whisper = await this.deps.recognizers.languageIdentifier();
    if (whisper) {
      const longest = [...clips].sort((a, b) => b.samples.length - a.samples.length).slice(0, WHISPER_CLIPS);
      const guess = await whisper.identify(
        longest.map((c) => c.samples),
        this.deps.decoder.sampleRate,
      );
      if (guess) {
        await this.store(callId, guess);
        return { status: 'done', model: whisper.model, result: guess };
      }
    }

    // Text identification over an ASR pass: once per distinct model among the configured languages' models.
    const byModel = new Map<string, string[]>();
    for (const language of languages) {
      const choice = await chooseModel(this.deps.asrModel, language, this.deps.recognizers.models);
      if (choice.ok) byModel.set(choice.name, [...(byModel.get(choice.name) ?? []), language]);
    }
    if (byModel.size === 0) {
      return {
        status: 'skipped',
        reason: `${NO_MODEL_PREFIX} ${suggestedModel(languages[0])} (needed to identify the language)`,
      };
    }
    let best: LanguageGuess | null = null;
    const used: string[] = [];
    for (const [name, modelLanguages] of byModel) {
      const recognizer = await this.deps.recognizers.recognizer(name, null);
      const texts = await Promise.all(
        clips.map((c) => recognizer.recognize(c.samples.slice(), this.deps.decoder.sampleRate)),
      );
      used.push(modelLabel(name));
      const text = texts.map((t) => t.text).join(' ');
      if (!text.trim()) continue;
      const guess = this.deps.textLanguageId.identify(text);
      // A model only vouches for the languages it was chosen for (a Spanish model turns English into Spanish-ish).
      if (!modelLanguages.includes(guess.language)) continue;
      if (!best || guess.confidence > best.confidence) best = guess;
    }
    if (!best) {
      best = { language: languages[0] ?? 'es', confidence: 0, lowConfidence: true, method: 'text' };
    }
    await this.store(callId, best);
    return { status: 'done', model: used.join(', '), result: best };
  }

  private store(callId: string, guess: LanguageGuess): Promise<void> {
    return this.deps.transcripts.setLanguage(callId, {
      language: guess.language,
      confidence: guess.confidence,
      lowConfidence: guess.lowConfidence,
      method: guess.method,
    });
  }

  /** Audio of the first segments (all channels, in time order) until ~30 s of speech. */
  private async firstSpeech(
    input: CallInput,
    speech: { channel: number; startMs: number; endMs: number }[],
  ): Promise<Clip[]> {
    const picked: typeof speech = [];
    let total = 0;
    for (const s of speech) {
      if (total >= SAMPLE_SPEECH_MS) break;
      picked.push(s);
      total += s.endMs - s.startMs;
    }
    const clips: Clip[] = [];
    const channels = [...new Set(picked.map((p) => p.channel))];
    for (const channel of channels) {
      const segs = picked.filter((p) => p.channel === channel);
      const pcm = this.deps.decoder.decodeChannel(input.recording!.objectKey, channel);
      for await (const a of sliceSegments(pcm, segs, this.deps.decoder.sampleRate, 150)) {
        clips.push({ channel, startMs: a.segment.startMs, samples: a.samples });
      }
    }
    return clips.sort((a, b) => a.startMs - b.startMs);
  }
}
