import { BeepTracker } from '../analytics/beep/beep.detector.ts';
import { KeyPressTracker } from '../analytics/dtmf/dtmf.detector.ts';
import { raisingQuiet, SpeechLevelMeter } from '../speech/level.ts';
import type { StageOutcome } from '../analysis/stages.ts';
import type { ChannelTones } from '../analysis/tone.repository.ts';
import { partyForChannel } from './speech-input.ts';
import type { SpeechDeps } from './speech.deps.ts';

/** Passes the audio on while the trackers listen to it. */
async function* listening(
  audio: AsyncIterable<Float32Array>,
  trackers: readonly { push(pcm: Float32Array): void }[],
): AsyncIterable<Float32Array> {
  for await (const chunk of audio) {
    for (const t of trackers) t.push(chunk);
    yield chunk;
  }
}

/**
 * Voice activity per channel (Silero through sherpa-onnx) over the archived recording, decoded channel
 * by channel; stores speech_segments (replacing earlier ones). Channel 0 is the agent and 1 the customer unless the
 * participants say otherwise; a mono recording is one unknown party.
 *
 * The same decoded audio is examined on every channel for the periodic recording tone (beep) and for in-band key
 * presses (DTMF tones; times only) — table channel_tones — also when the transcript was uploaded and voice activity
 * is not needed; very quiet stretches are raised for the voice-activity model (level.ts).
 */
export class SpeechDetection {
  /** Bumped when the result changes meaning; stored with each outcome. */
  static readonly version = 3;

  constructor(private readonly deps: SpeechDeps) {}

  async detect(callId: string): Promise<StageOutcome> {
    const info = await this.deps.transcripts.info(callId);
    const uploaded = info?.source === 'upload';
    const input = await this.deps.transcripts.speechInput(callId);
    if (!input) return { status: 'skipped', reason: 'call not found (deleted?)' };
    if (!input.recording) {
      return { status: 'skipped', reason: uploaded ? 'transcript uploaded' : 'the call has no recording' };
    }
    const { objectKey, channels } = input.recording;
    const toneOptions = { ...this.deps.toneOptions, sampleRate: this.deps.decoder.sampleRate };

    const perChannel: {
      channel: number;
      party: string;
      segments: number;
      speechMs: number;
      levelDbfs: number | null;
      /** The most the voice-activity pass amplified a quiet stretch. */
      vadGainDb: number;
    }[] = [];
    const speech: { channel: number; segments: { startMs: number; endMs: number }[] }[] = [];
    const tones: ChannelTones[] = [];
    for (let channel = 0; channel < channels; channel++) {
      const beeps = new BeepTracker(toneOptions);
      const keys = new KeyPressTracker({ sampleRate: toneOptions.sampleRate });
      const audio = listening(this.deps.decoder.decodeChannel(objectKey, channel), [beeps, keys]);
      if (uploaded) {
        for await (const _chunk of audio);
      } else {
        const level = new SpeechLevelMeter();
        const segments = await this.deps.vad.detect(raisingQuiet(audio, level));
        speech.push({ channel, segments });
        const dbfs = level.levelDbfs();
        perChannel.push({
          channel,
          party: partyForChannel(input, channel),
          segments: segments.length,
          speechMs: segments.reduce((s, x) => s + (x.endMs - x.startMs), 0),
          levelDbfs: dbfs === null ? null : Math.round(dbfs),
          vadGainDb: Math.round(level.maxGainDb),
        });
      }
      tones.push({
        channel,
        intervalMs: toneOptions.intervalMs,
        ...beeps.finish(),
        keyPresses: keys.finish(),
      });
    }
    await this.deps.tones.replace(callId, tones);
    const toneSummary = tones.map((t) => ({
      channel: t.channel,
      beeps: t.beeps.length,
      regular: t.regular,
      throughout: t.throughout,
      keyPresses: t.keyPresses.length,
    }));
    if (uploaded) {
      return { status: 'skipped', reason: 'transcript uploaded', result: { tones: toneSummary } };
    }
    await this.deps.transcripts.replaceSpeechSegments(callId, speech);
    return { status: 'done', model: 'silero-vad', result: { channels: perChannel, tones: toneSummary } };
  }
}
