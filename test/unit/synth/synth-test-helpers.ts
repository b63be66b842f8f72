import type { SpeechSynthesizer, VoiceSettings } from '../../../tools/synth/espeak.tts.ts';
import { rms } from '../../../tools/synth/dsp.ts';

/**
 * A deterministic synthesizer for unit tests: 100 ms of silence, then a harmonic "voice" (fundamental from the
 * pitch, 45 ms per character at 150 wpm, scaled by the speed), then 150 ms of silence — so trimming, levels and
 * layout can be checked exactly without espeak-ng.
 */
export class ToneSynthesizer implements SpeechSynthesizer {
  readonly sampleRate = 16000;
  readonly calls: { text: string; voice: VoiceSettings }[] = [];

  static voicedMs(text: string, voice: VoiceSettings): number {
    return Math.round((45 * text.length * 150) / voice.speed);
  }

  async synthesize(text: string, voice: VoiceSettings): Promise<Float32Array> {
    this.calls.push({ text, voice });
    const voiced = Math.round((ToneSynthesizer.voicedMs(text, voice) * this.sampleRate) / 1000);
    const before = Math.round(0.1 * this.sampleRate);
    const after = Math.round(0.15 * this.sampleRate);
    const out = new Float32Array(before + voiced + after);
    const f0 = 80 + 2 * voice.pitch;
    for (let i = 0; i < voiced; i++) {
      const t = i / this.sampleRate;
      let v = 0;
      for (let h = 1; h <= 8; h++) v += Math.sin(2 * Math.PI * f0 * h * t) / h;
      out[before + i] = 0.3 * v;
    }
    return out;
  }
}

/** RMS of a channel between two times (ms). */
export function levelBetween(
  samples: Float32Array,
  sampleRate: number,
  startMs: number,
  endMs: number,
): number {
  return rms(samples, Math.round((startMs * sampleRate) / 1000), Math.round((endMs * sampleRate) / 1000));
}

/**
 * Where a channel carries signal: [startMs, endMs] runs of 10 ms windows above `threshold` RMS, joined across
 * gaps shorter than `joinMs`.
 */
export function activeRuns(
  samples: Float32Array,
  sampleRate: number,
  threshold: number,
  joinMs = 120,
): { startMs: number; endMs: number }[] {
  const win = sampleRate / 100;
  const runs: { startMs: number; endMs: number }[] = [];
  for (let w = 0; w * win < samples.length; w++) {
    if (rms(samples, w * win, (w + 1) * win) < threshold) continue;
    const startMs = w * 10;
    const last = runs[runs.length - 1];
    if (last && startMs - last.endMs <= joinMs) last.endMs = startMs + 10;
    else runs.push({ startMs, endMs: startMs + 10 });
  }
  return runs;
}
