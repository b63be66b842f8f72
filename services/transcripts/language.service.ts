import { callLanguage } from '../../models/language.ts';
import { combineDetections, type ChannelDetection, type LanguageGuess } from '../speech/language-id.ts';
import { modelLabel, suggestedModel } from '../speech/model-manifest.ts';
import { chooseModel, NO_MODEL_PREFIX } from '../speech/model-selection.ts';
import { SEGMENT_PAD_MS } from '../speech/recognizer.ts';
import { sliceSegments } from '../speech/segments.ts';
import type { StageOutcome } from '../analysis/stages.ts';
import type { SpeechInput } from './speech-input.ts';
import type { SpeechDeps } from './speech.deps.ts';

/** How much speech the text identification (without a Whisper model) is decided on. */
const SAMPLE_SPEECH_MS = 30_000;

type Speech = { channel: number; startMs: number; endMs: number }[];

/**
 * The call's language, restricted to ESCUCHA_LANGUAGES, stored on the transcript with a confidence,
 * a low-confidence flag and the method, and on the call (so that search by language finds it):
 *  - `metadata`: the language given with the recording;
 *  - `upload`: the language given with an uploaded transcript (else its text is identified: `text`);
 *  - `whisper`: Whisper spoken-language identification on the first window of speech of each channel;
 *  - `text`: text identification of an ASR pass over the first ~30 s of speech (models that cannot identify speech).
 */
export class LanguageIdentification {
  /** Bumped when the result changes meaning; stored with each outcome. */
  static readonly version = 2;

  constructor(private readonly deps: SpeechDeps) {}

  async identify(callId: string): Promise<StageOutcome> {
    const { transcripts, languages } = this.deps;
    const info = await transcripts.info(callId);
    if (info?.source === 'upload') {
      if (info.language && (info.languageMethod === 'upload' || info.languageMethod === 'metadata')) {
        const given: LanguageGuess = {
          language: info.language,
          method: info.languageMethod,
          confidence: 1,
          lowConfidence: false,
        };
        await this.store(callId, given);
        return { status: 'done', result: given };
      }
      const text = (await transcripts.segments(callId)).map((s) => s.text).join(' ');
      const guess = this.deps.textLanguageId.identify(text);
      await this.store(callId, guess);
      await transcripts.reindex(callId, guess.language);
      return { status: 'done', result: guess };
    }
    const input = await this.deps.transcripts.speechInput(callId);
    if (!input) return { status: 'skipped', reason: 'call not found (deleted?)' };
    const given = callLanguage(input.language);
    if (given) {
      const guess: LanguageGuess = {
        language: given,
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

    // The model transcription will use for the default language identifies the language when it can.
    const asr = await chooseModel(this.deps.asrModel, languages[0] ?? null, this.deps.recognizers.models);
    const lid = await this.deps.recognizers.languageIdentifier(asr.ok ? asr.name : null);
    if (lid?.detectLanguage) {
      const detect = lid.detectLanguage.bind(lid);
      const channels = [...new Set(speech.map((s) => s.channel))];
      const detections = await Promise.all(
        channels.map((channel) => {
          const pcm = this.deps.decoder.decodeChannel(input.recording!.objectKey, channel);
          const segments = speech.filter((s) => s.channel === channel);
          const audio = sliceSegments(pcm, segments, this.deps.decoder.sampleRate, SEGMENT_PAD_MS);
          return detect(audio, languages, this.deps.decoder.sampleRate);
        }),
      );
      const heard = detections.filter((d): d is ChannelDetection => d !== null);
      const guess = combineDetections(heard, languages, this.deps.lowConfidenceBelow);
      if (guess) {
        await this.store(callId, guess);
        return {
          status: 'done',
          model: lid.model,
          result: {
            ...guess,
            channels: heard.map((d, i) => ({
              channel: channels[i],
              probabilities: roundAll(d.probabilities),
              noSpeechProbability: round3(d.noSpeechProbability),
              speechSeconds: round3(d.speechSeconds),
            })),
          },
        };
      }
    }
    return this.byText(callId, input, speech);
  }

  /** Text identification over an ASR pass, once per distinct model among the configured languages' models. */
  private async byText(callId: string, input: SpeechInput, speech: Speech): Promise<StageOutcome> {
    const { languages } = this.deps;
    const byModel = new Map<string, string[]>();
    for (const language of languages) {
      const choice = await chooseModel(this.deps.asrModel, language, this.deps.recognizers.models);
      if (choice.ok) byModel.set(choice.name, [...(byModel.get(choice.name) ?? []), language]);
    }
    if (byModel.size === 0) {
      return {
        status: 'skipped',
        reason: `${NO_MODEL_PREFIX} ${suggestedModel()} (needed to identify the language)`,
      };
    }
    const picked: Speech = [];
    let total = 0;
    for (const s of speech) {
      if (total >= SAMPLE_SPEECH_MS) break;
      picked.push(s);
      total += s.endMs - s.startMs;
    }
    let best: LanguageGuess | null = null;
    const used: string[] = [];
    for (const [name, modelLanguages] of byModel) {
      const recognizer = await this.deps.recognizers.recognizer(name, null);
      used.push(modelLabel(name));
      const texts: string[] = [];
      for (const channel of [...new Set(picked.map((p) => p.channel))]) {
        const pcm = this.deps.decoder.decodeChannel(input.recording!.objectKey, channel);
        const segments = picked.filter((p) => p.channel === channel);
        const audio = sliceSegments(pcm, segments, this.deps.decoder.sampleRate, SEGMENT_PAD_MS);
        const out = await recognizer.transcribe(audio, {
          language: null,
          sampleRate: this.deps.decoder.sampleRate,
        });
        texts.push(...out.map((o) => o.text));
      }
      const text = texts.join(' ');
      if (!text.trim()) continue;
      const guess = this.deps.textLanguageId.identify(text);
      // A model only vouches for the languages it was chosen for (a Spanish model turns English into Spanish-ish).
      if (!modelLanguages.includes(guess.language)) continue;
      if (!best || guess.confidence > best.confidence) best = guess;
    }
    best ??= { language: languages[0] ?? 'es', confidence: 0, lowConfidence: true, method: 'text' };
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
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function roundAll(p: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(p).map(([k, v]) => [k, round3(v)]));
}
