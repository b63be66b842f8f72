import { callLanguage } from '../../models/language.ts';
import { chooseModel } from '../speech/model-selection.ts';
import { SEGMENT_PAD_MS } from '../speech/recognizer.ts';
import { sliceSegments } from '../speech/segments.ts';
import type { StageOutcome } from '../analysis/stages.ts';
import type { NewTranscriptSegment } from './transcript.repository.ts';
import { partyForChannel } from './speech-input.ts';
import type { SpeechDeps } from './speech.deps.ts';

/**
 * Transcription: the speech segments of every channel through the recogniser chosen for the call's language
 * (ESCUCHA_ASR_MODEL, else the default model), the channels at the same time so that every worker thread has work.
 * The call's segments replace earlier ones in one transaction, so a retried or re-run job stores the transcript
 * exactly once. No model installed: skipped, with the command that fixes it. Never stores anything the recogniser
 * did not say.
 */
export class Transcription {
  /** Bumped when the result changes meaning; stored with each outcome. */
  static readonly version = 2;

  constructor(private readonly deps: SpeechDeps) {}

  async transcribe(callId: string, log?: { info(obj: object, msg: string): void }): Promise<StageOutcome> {
    const { transcripts, decoder } = this.deps;
    const info = await transcripts.info(callId);
    if (info?.source === 'upload') return { status: 'skipped', reason: 'transcript uploaded' };
    const input = await this.deps.transcripts.speechInput(callId);
    if (!input) return { status: 'skipped', reason: 'call not found (deleted?)' };
    const recording = input.recording;
    if (!recording) return { status: 'skipped', reason: 'the call has no recording' };

    const language = callLanguage(info?.language ?? input.language) ?? this.deps.languages[0] ?? null;
    const reused = await this.reuseLive(callId, language);
    if (reused) return reused;
    const choice = await chooseModel(this.deps.asrModel, language, this.deps.recognizers.models);
    if (!choice.ok) return { status: 'skipped', reason: choice.reason };
    const recognizer = await this.deps.recognizers.recognizer(choice.name, language);

    const speech = await transcripts.speechSegments(callId);
    const started = performance.now();
    const channels = Array.from({ length: recording.channels }, (_, c) => c).filter((c) =>
      speech.some((s) => s.channel === c),
    );
    const perChannel = await Promise.all(
      channels.map(async (channel) => {
        const segments = speech.filter((s) => s.channel === channel);
        const pcm = decoder.decodeChannel(recording.objectKey, channel);
        const audio = sliceSegments(pcm, segments, decoder.sampleRate, SEGMENT_PAD_MS);
        const out = await recognizer.transcribe(audio, { language, sampleRate: decoder.sampleRate });
        const party = partyForChannel(input, channel);
        return out.map((r): NewTranscriptSegment => ({
          party,
          channel,
          startMs: r.startMs,
          endMs: r.endMs,
          text: r.text,
          confidence: r.confidence,
          words: r.words,
        }));
      }),
    );
    const rows = perChannel.flat();
    rows.sort((a, b) => a.startMs - b.startMs || (a.channel ?? 0) - (b.channel ?? 0));
    await transcripts.replaceAsrSegments(callId, { model: recognizer.model, language }, rows);
    await this.deps.live?.attachAlerts(callId);
    const decodeMs = performance.now() - started;
    const speechMs = speech.reduce((n, s) => n + (s.endMs - s.startMs), 0);
    log?.info({ segments: rows.length, speechMs, decodeMs: Math.round(decodeMs) }, 'transcribed');
    return {
      status: 'done',
      model: recognizer.model,
      result: {
        language,
        segments: rows.length,
        words: rows.reduce((n, r) => n + r.text.split(/\s+/).length, 0),
        speechMs,
        realTimeFactor: speechMs > 0 ? Math.round((decodeMs / speechMs) * 1000) / 1000 : null,
      },
    };
  }

  /**
   * The live transcript of a captured call, stored as its transcript when it covers the call: the live transcription
   * ended with every utterance recognised, in the language the call was identified in. Undefined otherwise (the
   * call is transcribed as any other).
   */
  private async reuseLive(callId: string, language: string | null): Promise<StageOutcome | undefined> {
    const live = await this.deps.live?.completeTranscriptOf(callId);
    if (!live || !live.state.model || (live.state.language ?? null) !== language) return undefined;
    const rows: NewTranscriptSegment[] = live.lines.map((l) => ({
      party: l.party,
      channel: l.channel,
      startMs: l.startMs,
      endMs: l.endMs,
      text: l.text,
      confidence: null,
      words: null,
    }));
    rows.sort((a, b) => a.startMs - b.startMs || (a.channel ?? 0) - (b.channel ?? 0));
    await this.deps.transcripts.replaceAsrSegments(callId, { model: live.state.model, language }, rows);
    await this.deps.live!.attachAlerts(callId);
    return {
      status: 'done',
      model: live.state.model,
      result: {
        language,
        segments: rows.length,
        words: rows.reduce((n, r) => n + r.text.split(/\s+/).length, 0),
        reused: 'live transcript',
      },
    };
  }
}
