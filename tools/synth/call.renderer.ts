import {
  isDtmfTurn,
  isSpeechTurn,
  type CallScript,
  type DtmfMark,
  type PartySpec,
  type ReferenceSegment,
  type ReferenceTranscript,
  type ScriptLanguage,
} from '../../services/cli/call-script.ts';
import type { Party } from '../../models/database.ts';
import { dbToAmplitude, dtmfTone, normalizeLevel, seededRandom, speechBounds, telephoneBand } from './dsp.ts';
import type { SpeechSynthesizer, VoiceSettings } from './espeak.tts.ts';

/**
 * Renders a call script: every line spoken by its party's voice, placed on a timeline with natural gaps (short
 * when the same party goes on, longer when the other answers), keys as DTMF dual tones, agent on channel 0 (left)
 * and customer on channel 1 (right). The result carries the exact reference transcript — where each line's speech
 * starts and ends in the audio — and the time of every key press.
 */

/** Sample rate of rendered calls (what speech recognition needs). */
export const RENDER_SAMPLE_RATE = 16000;

/** Channel of each party: agent left, customer right, as Escucha archives calls. */
export const PARTY_CHANNEL: Readonly<Record<Party, 0 | 1>> = { agent: 0, customer: 1 };

export const DEFAULT_VOICES: Readonly<Record<ScriptLanguage, Record<Party, VoiceSettings>>> = {
  es: {
    agent: { voice: 'es-419+f2', pitch: 62, speed: 160 },
    customer: { voice: 'es-419+m3', pitch: 38, speed: 145 },
  },
  en: {
    agent: { voice: 'en-us+f2', pitch: 62, speed: 160 },
    customer: { voice: 'en-us+m3', pitch: 38, speed: 150 },
  },
};

const DEFAULT_LEVEL_DB: Record<Party, number> = { agent: -20, customer: -23 };

/** Timing of the timeline, in milliseconds. */
export const TIMING = {
  leadInMs: 600,
  tailMs: 800,
  /** Gap before a line when the other party spoke last: uniform in [min, max]. */
  answerGapMs: [350, 900] as const,
  /** Gap before a line when the same party spoke last (a breath between sentences). */
  continueGapMs: [200, 450] as const,
  /** Gap before a run of keys. */
  dtmfGapMs: [500, 900] as const,
  /** One key: tone on, then silence; multiples of 20 ms, so they fall on RTP packet boundaries. */
  dtmfToneMs: 160,
  dtmfSilenceMs: 120,
} as const;

export interface RenderedCall {
  language: ScriptLanguage;
  sampleRate: number;
  /** [agent (left), customer (right)]. */
  channels: [Float32Array, Float32Array];
  durationMs: number;
  segments: ReferenceSegment[];
  dtmf: DtmfMark[];
  voices: Record<Party, VoiceSettings>;
}

export function referenceTranscript(call: RenderedCall): ReferenceTranscript {
  return { language: call.language, durationMs: call.durationMs, segments: call.segments, dtmf: call.dtmf };
}

export function voiceFor(script: CallScript, party: Party): VoiceSettings {
  const spec: PartySpec = script[party];
  const fallback = DEFAULT_VOICES[script.language][party];
  return {
    voice: spec.voice ?? fallback.voice,
    pitch: spec.pitch ?? fallback.pitch,
    speed: spec.speed ?? fallback.speed,
  };
}

export class CallRenderer {
  private readonly concurrency: number;

  constructor(
    private readonly tts: SpeechSynthesizer,
    options: { concurrency?: number } = {},
  ) {
    this.concurrency = Math.max(1, options.concurrency ?? 2);
  }

  async render(script: CallScript): Promise<RenderedCall> {
    const rate = this.tts.sampleRate;
    const voices = { agent: voiceFor(script, 'agent'), customer: voiceFor(script, 'customer') };
    const speech = await this.synthesizeAll(script, voices);

    // Lay out the timeline in samples.
    const random = seededRandom(script.seed);
    const between = ([min, max]: readonly [number, number]) => min + (max - min) * random();
    const ms = (samples: number) => Math.round((samples * 1000) / rate);
    const toSamples = (millis: number) => Math.round((millis * rate) / 1000);
    const step = toSamples(20);
    const placed: { channel: 0 | 1; at: number; samples: Float32Array }[] = [];
    const segments: ReferenceSegment[] = [];
    const dtmf: DtmfMark[] = [];
    let t = toSamples(TIMING.leadInMs);
    let last: Party | 'pause' | null = null;
    script.turns.forEach((turn, index) => {
      if ('pause' in turn) {
        t += toSamples(turn.pause * 1000);
        last = 'pause';
        return;
      }
      const channel = PARTY_CHANNEL[turn.party];
      if (isDtmfTurn(turn)) {
        if (last !== null && last !== 'pause') t += toSamples(between(TIMING.dtmfGapMs));
        t = Math.ceil(t / step) * step;
        for (const digit of turn.dtmf) {
          const tone = dtmfTone(digit, TIMING.dtmfToneMs, rate);
          placed.push({ channel, at: t, samples: tone });
          dtmf.push({ party: turn.party, channel, digit, startMs: ms(t), durationMs: TIMING.dtmfToneMs });
          t += toSamples(TIMING.dtmfToneMs + TIMING.dtmfSilenceMs);
        }
        last = turn.party;
        return;
      }
      if (!isSpeechTurn(turn)) return;
      const samples = speech.get(index);
      if (!samples) return;
      if (last !== null && last !== 'pause') {
        t += toSamples(between(last === turn.party ? TIMING.continueGapMs : TIMING.answerGapMs));
      }
      placed.push({ channel, at: t, samples });
      segments.push({
        party: turn.party,
        channel,
        startMs: ms(t),
        endMs: ms(t + samples.length),
        text: turn.text,
      });
      t += samples.length;
      last = turn.party;
    });
    t += toSamples(TIMING.tailMs);
    const length = Math.ceil(t / step) * step;

    const channels: [Float32Array, Float32Array] = [new Float32Array(length), new Float32Array(length)];
    for (const p of placed) {
      const target = channels[p.channel];
      for (let i = 0; i < p.samples.length && p.at + i < length; i++) {
        target[p.at + i] = (target[p.at + i] ?? 0) + (p.samples[i] ?? 0);
      }
    }
    if (script.telephone) for (const c of channels) telephoneBand(c, rate);
    // A faint noise floor (-70 dBFS), as any line has: digital silence sounds broken and trips some VADs.
    const floor = dbToAmplitude(-70) * Math.sqrt(3);
    const noise = seededRandom(script.seed ^ 0x5eed);
    for (const c of channels)
      for (let i = 0; i < c.length; i++) c[i] = (c[i] ?? 0) + floor * (2 * noise() - 1);

    return {
      language: script.language,
      sampleRate: rate,
      channels,
      durationMs: ms(length),
      segments,
      dtmf,
      voices,
    };
  }

  /** Every line through the synthesizer (a few at a time), trimmed to its speech and set to its party's level. */
  private async synthesizeAll(
    script: CallScript,
    voices: Record<Party, VoiceSettings>,
  ): Promise<Map<number, Float32Array>> {
    const jobs = script.turns
      .map((turn, index) => ({ turn, index }))
      .filter((j): j is { turn: { party: Party; text: string }; index: number } => isSpeechTurn(j.turn));
    const out = new Map<number, Float32Array>();
    let next = 0;
    const worker = async () => {
      while (next < jobs.length) {
        const job = jobs[next++]!;
        const raw = await this.tts.synthesize(job.turn.text, voices[job.turn.party]);
        const { start, end } = speechBounds(raw, this.tts.sampleRate, { thresholdDb: -45, marginMs: 0 });
        const trimmed = raw.slice(start, end);
        const level = script[job.turn.party].levelDb ?? DEFAULT_LEVEL_DB[job.turn.party];
        out.set(job.index, normalizeLevel(trimmed, level));
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, jobs.length) }, worker));
    return out;
  }
}
