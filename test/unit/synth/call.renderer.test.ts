import { describe, expect, it } from 'vitest';
import {
  parseCallScript,
  type CallScriptInput,
  type ReferenceSegment as Seg,
} from '../../../services/cli/call-script.ts';
import { CallRenderer, DEFAULT_VOICES, TIMING } from '../../../tools/synth/call.renderer.ts';
import { detectDtmf } from '../../../tools/synth/dsp.ts';
import { activeRuns, levelBetween, ToneSynthesizer } from './synth-test-helpers.ts';

const SCRIPT: CallScriptInput = {
  language: 'es',
  seed: 7,
  customer: { voice: 'es+m5', pitch: 30, speed: 120 },
  turns: [
    { party: 'agent', text: 'buenos días, le habla carolina' },
    { party: 'agent', text: 'esta llamada está siendo grabada' },
    { party: 'customer', text: 'sí, dígame' },
    { pause: 2 },
    { party: 'customer', dtmf: '45#' },
    { party: 'agent', text: 'gracias' },
  ],
};

describe(CallRenderer.name, () => {
  it('places each line on its party channel, trimmed, with gaps, and reports its exact times', async () => {
    const tts = new ToneSynthesizer();
    const call = await new CallRenderer(tts).render(parseCallScript(SCRIPT));
    const [left, right] = call.channels;
    expect(call.sampleRate).toBe(16000);
    expect(left.length).toBe(right.length);
    expect(call.durationMs).toBe(Math.round((left.length * 1000) / 16000));
    expect(call.durationMs % 20).toBe(0);

    expect(call.segments.map((s) => [s.party, s.channel])).toEqual([
      ['agent', 0],
      ['agent', 0],
      ['customer', 1],
      ['agent', 0],
    ]);
    const [a1, a2, c1, a3] = call.segments as [Seg, Seg, Seg, Seg];
    expect(a1.startMs).toBe(TIMING.leadInMs);
    // Trimmed: a segment lasts exactly the voiced part the synthesizer made.
    expect(a1.endMs - a1.startMs).toBeCloseTo(ToneSynthesizer.voicedMs(a1.text, DEFAULT_VOICES.es.agent), -1);
    const sameParty = a2.startMs - a1.endMs;
    const answer = c1.startMs - a2.endMs;
    expect(sameParty).toBeGreaterThanOrEqual(TIMING.continueGapMs[0] - 1);
    expect(sameParty).toBeLessThanOrEqual(TIMING.continueGapMs[1] + 1);
    expect(answer).toBeGreaterThanOrEqual(TIMING.answerGapMs[0] - 1);
    expect(answer).toBeLessThanOrEqual(TIMING.answerGapMs[1] + 1);

    // Energy on the speaker's channel during each line, near silence on the other.
    for (const s of call.segments) {
      const own = levelBetween(call.channels[s.channel], 16000, s.startMs + 20, s.endMs - 20);
      const other = levelBetween(call.channels[1 - s.channel]!, 16000, s.startMs, s.endMs);
      expect(own).toBeGreaterThan(0.02);
      expect(other).toBeLessThan(0.001);
    }
    const runs = activeRuns(left, 16000, 0.01);
    expect(runs.map((r) => r.startMs)).toEqual([a1, a2, a3].map((s) => Math.floor(s.startMs / 10) * 10));

    // The pause, then the keys on the customer channel, on the 20 ms grid.
    expect(call.dtmf.map((d) => d.digit)).toEqual(['4', '5', '#']);
    const first = call.dtmf[0]!;
    // After a pause no gap is added; the keys start on the next 20 ms boundary.
    expect(first.startMs - c1.endMs).toBeGreaterThanOrEqual(1999);
    expect(first.startMs - c1.endMs).toBeLessThan(2021);
    for (const d of call.dtmf) {
      expect(d.channel).toBe(1);
      expect(d.startMs % 20).toBe(0);
      const start = Math.round((d.startMs * 16000) / 1000);
      expect(detectDtmf(right, start + 160, 1920, 16000)).toBe(d.digit);
      expect(detectDtmf(left, start + 160, 1920, 16000)).toBeNull();
    }
    expect(call.dtmf[1]!.startMs - call.dtmf[0]!.startMs).toBe(TIMING.dtmfToneMs + TIMING.dtmfSilenceMs);
    expect(a3.startMs).toBeGreaterThan(call.dtmf[2]!.startMs + TIMING.dtmfToneMs);
    expect(call.durationMs).toBeGreaterThanOrEqual(a3.endMs + TIMING.tailMs);
  });

  it("uses the voice of each party: the script's where given, else the default for the language", async () => {
    const tts = new ToneSynthesizer();
    const call = await new CallRenderer(tts).render(parseCallScript(SCRIPT));
    expect(call.voices).toEqual({
      agent: DEFAULT_VOICES.es.agent,
      customer: { voice: 'es+m5', pitch: 30, speed: 120 },
    });
    expect(tts.calls.find((c) => c.text === 'sí, dígame')?.voice.voice).toBe('es+m5');
    expect(DEFAULT_VOICES.en.agent.pitch).not.toBe(DEFAULT_VOICES.en.customer.pitch);
    expect(DEFAULT_VOICES.es.agent.speed).not.toBe(DEFAULT_VOICES.es.customer.speed);
  });

  it('renders the same call for the same seed and other gaps for another', async () => {
    const render = (seed: number) =>
      new CallRenderer(new ToneSynthesizer()).render(parseCallScript({ ...SCRIPT, seed }));
    const [a, b, c] = await Promise.all([render(7), render(7), render(8)]);
    expect(b.segments).toEqual(a.segments);
    expect(Buffer.from(b.channels[0].buffer).equals(Buffer.from(a.channels[0].buffer))).toBe(true);
    expect(c.segments.map((s) => s.startMs)).not.toEqual(a.segments.map((s) => s.startMs));
  });
});
