import { chooseModel } from '../../speech/model-selection.ts';
import type { Recognition } from '../../speech/recognizer.sherpa.ts';
import { sliceSegments } from '../../speech/segments.ts';
import type { StageHandler } from '../pipeline.ts';
import type { StageOutcome, StagePayload } from '../jobs.ts';
import type { NewTranscriptSegment } from '../transcript.repository.ts';
import { InFlight, loadCallInput, partyForChannel, type SpeechStageDeps } from './speech-stage.context.ts';

/** Silence kept around each VAD segment for the recogniser. */
const PAD_MS = 150;

/**
 * Stage `transcribe`: every VAD segment of every channel through the recogniser chosen for the call's language
 * (ESCUCHA_ASR_MODEL), decoded on the worker-thread pool. The call's segments replace earlier ones in one
 * transaction, so a retried or re-run job stores the transcript exactly once. No model installed: skipped, with the
 * command that fixes it. Never stores anything the recogniser did not say.
 */
export class TranscribeStage implements StageHandler<'transcribe'> {
  readonly stage = 'transcribe' as const;
  readonly version = 1;

  constructor(private readonly deps: SpeechStageDeps) {}

  async run(
    payload: StagePayload,
    ctx?: { log?: { info(obj: object, msg: string): void } },
  ): Promise<StageOutcome> {
    const { callId } = payload;
    const { transcripts, decoder } = this.deps;
    const info = await transcripts.info(callId);
    if (info?.source === 'upload') return { status: 'skipped', reason: 'transcript uploaded' };
    const input = await loadCallInput(this.deps.db, callId);
    if (!input) return { status: 'skipped', reason: 'call not found (deleted?)' };
    if (!input.recording) return { status: 'skipped', reason: 'the call has no recording' };

    const language =
      info?.language ?? input.language?.toLowerCase().slice(0, 2) ?? this.deps.languages[0] ?? null;
    const choice = await chooseModel(this.deps.asrModel, language, this.deps.recognizers.models);
    if (!choice.ok) return { status: 'skipped', reason: choice.reason };
    const recognizer = await this.deps.recognizers.recognizer(choice.name, language);

    const speech = await transcripts.speechSegments(callId);
    const started = performance.now();
    const inFlight = new InFlight<NewTranscriptSegment | null>(this.deps.maxInFlight ?? 8);
    let speechMs = 0;
    for (let channel = 0; channel < input.recording.channels && !inFlight.failed; channel++) {
      const segments = speech.filter((s) => s.channel === channel);
      if (segments.length === 0) continue;
      const party = partyForChannel(input, channel);
      const pcm = decoder.decodeChannel(input.recording.objectKey, channel);
      for await (const audio of sliceSegments(pcm, segments, decoder.sampleRate, PAD_MS)) {
        if (inFlight.failed) break;
        speechMs += audio.segment.endMs - audio.segment.startMs;
        await inFlight.add(async () => {
          const r: Recognition = await recognizer.recognize(audio.samples, decoder.sampleRate);
          if (!r.text) return null;
          return {
            party,
            channel,
            startMs: audio.segment.startMs,
            endMs: audio.segment.endMs,
            text: r.text,
            confidence: r.confidence,
            words:
              r.words?.map((w) => ({
                word: w.word,
                startMs: Math.round(audio.offsetMs + w.startMs),
                endMs: Math.round(audio.offsetMs + w.endMs),
              })) ?? null,
          };
        });
      }
    }
    const rows = (await inFlight.done()).filter((r): r is NewTranscriptSegment => r !== null);
    rows.sort((a, b) => a.startMs - b.startMs || (a.channel ?? 0) - (b.channel ?? 0));
    await transcripts.replaceAsrSegments(callId, { model: recognizer.model, language }, rows);
    const decodeMs = performance.now() - started;
    ctx?.log?.info({ segments: rows.length, speechMs, decodeMs: Math.round(decodeMs) }, 'transcribed');
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
}
