import type { StageHandler } from '../pipeline.ts';
import type { StageOutcome, StagePayload } from '../jobs.ts';
import { loadCallInput, partyForChannel, type SpeechStageDeps } from './speech-stage.context.ts';

/**
 * Stage `vad`: voice activity per channel (Silero through sherpa-onnx) over the archived recording, decoded channel
 * by channel; stores speech_segments (replacing earlier ones). Channel 0 is the agent and 1 the customer unless the
 * participants say otherwise; a mono recording is one unknown party.
 */
export class VadStage implements StageHandler<'vad'> {
  readonly stage = 'vad' as const;
  readonly version = 1;

  constructor(private readonly deps: SpeechStageDeps) {}

  async run(payload: StagePayload): Promise<StageOutcome> {
    const { callId } = payload;
    const info = await this.deps.transcripts.info(callId);
    if (info?.source === 'upload') return { status: 'skipped', reason: 'transcript uploaded' };
    const input = await loadCallInput(this.deps.db, callId);
    if (!input) return { status: 'skipped', reason: 'call not found (deleted?)' };
    if (!input.recording) return { status: 'skipped', reason: 'the call has no recording' };
    const { objectKey, channels } = input.recording;

    const perChannel: { channel: number; party: string; segments: number; speechMs: number }[] = [];
    const speech: { channel: number; segments: { startMs: number; endMs: number }[] }[] = [];
    for (let channel = 0; channel < channels; channel++) {
      const segments = await this.deps.vad.detect(this.deps.decoder.decodeChannel(objectKey, channel));
      speech.push({ channel, segments });
      perChannel.push({
        channel,
        party: partyForChannel(input, channel),
        segments: segments.length,
        speechMs: segments.reduce((s, x) => s + (x.endMs - x.startMs), 0),
      });
    }
    await this.deps.transcripts.replaceSpeechSegments(callId, speech);
    return { status: 'done', model: 'silero-vad', result: { channels: perChannel } };
  }
}
