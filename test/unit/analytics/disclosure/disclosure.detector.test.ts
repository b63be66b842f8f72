import { describe, expect, it } from 'vitest';
import { detectBeeps } from '../../../../services/analytics/beep/beep.detector.ts';
import {
  agentSpeechBefore,
  detectDisclosure,
  type RecordingToneInput,
} from '../../../../services/analytics/disclosure/disclosure.detector.ts';
import { profileForRegion } from '../../../../services/analytics/disclosure/disclosure.profiles.ts';
import { prepareTranscript } from '../../../../services/analytics/matching/prepared-transcript.ts';
import { transcript } from '../matching/transcript.helper.ts';
import { createBuiltInPhrases } from '../../../../services/analytics/built-in-phrases.ts';

const phrases = createBuiltInPhrases();

const es = (profile: 'generic' | 'co' | 'mx' | 'us', ...lines: string[]) =>
  detectDisclosure(phrases, prepareTranscript(transcript(...lines), 'es'), profile);
const en = (profile: 'generic' | 'us', ...lines: string[]) =>
  detectDisclosure(phrases, prepareTranscript(transcript(...lines), 'en'), profile);

describe(detectDisclosure.name, () => {
  it('finds a complete Colombian opening despite ASR noise', () => {
    const r = es(
      'co',
      'a: buenos dias le habla laura de cobranzas del norte',
      'c: si con el',
      'a: le informo que esta yamada esta siendo grabada por calidad y seguridad',
      'a: sus datos personales seran tratados conforme a la ley mil quinientos ochenta y uno de dos mil doce',
    );
    expect(r.outcome).toBe('disclosed');
    expect(r.missing).toEqual([]);
    expect(r.elements.find((e) => e.id === 'recorded')!.evidence[0]!.matchedText).toContain('grabada');
  });

  it('reports a partial disclosure with the missing elements', () => {
    const r = es('mx', 'a: buenas tardes', 'a: esta llamada es grabada', 'c: ajá');
    expect(r.outcome).toBe('partial');
    expect(r.missing).toEqual(['privacy_notice']);
  });

  it('reports missing when only near-misses are said', () => {
    const r = es(
      'generic',
      'c: me estan grabando o que',
      'a: no se preocupe no estamos grabando',
      'a: le voy a grabar el nuevo numero en el sistema',
      'a: le llamo por el saldo pendiente',
    );
    expect(r.outcome).toBe('missing');
    expect(r.elements.every((e) => !e.present)).toBe(true);
  });

  it('does not count a notice given after the time limit, but says it was late', () => {
    const long =
      'le explico con calma el estado de su cuenta y las alternativas que tenemos para usted este mes';
    const r = es(
      'mx',
      'a: buenas tardes',
      ...Array.from({ length: 10 }, () => `a: ${long}`),
      'a: esta llamada es grabada',
      'a: consulte nuestro aviso de privacidad',
    );
    expect(r.elements.find((e) => e.id === 'recorded')).toMatchObject({ disclosed: false, present: true });
    expect(r.late).toEqual(['recorded', 'privacy_notice']);
    expect(r.elements[1]!.evidence[0]!.matchedText).toBe('consulte nuestro aviso de privacidad');
    expect(r.outcome).toBe('missing');
  });

  it('checks the FDCPA mini-Miranda in English and in Spanish', () => {
    const r = en(
      'us',
      'a: hi this is sarah with apex financial this call is being recorded',
      'a: this is an attempt to collect a debt and any information obtained will be used for that purpose',
      'a: this communication is from a debt collector',
    );
    expect(r.outcome).toBe('disclosed');
    const partial = es(
      'us',
      'a: esta llamada esta siendo grabada',
      'a: este es un intento de cobrar una deuda',
    );
    expect(partial.missing).toEqual(['debt_collector']);
  });
});

describe('recording tone in the disclosure check', () => {
  const RATE = 16_000;
  /** A channel of `seconds` with a 1400 Hz beep at each start. */
  const channel = (seconds: number, startsMs: number[]) => {
    const x = new Float32Array(seconds * RATE);
    for (const at of startsMs) {
      const from = (at / 1000) * RATE;
      for (let i = 0; i < 0.3 * RATE; i++) x[from + i] = 0.3 * Math.sin((2 * Math.PI * 1400 * i) / RATE);
    }
    return x;
  };
  const tones = (mode: RecordingToneInput['mode'], starts: number[] | null): RecordingToneInput => ({
    mode,
    intervalMs: 15_000,
    channels:
      starts === null
        ? null
        : [
            { channel: 0, ...detectBeeps(channel(40, [])) },
            { channel: 1, ...detectBeeps(channel(40, starts)) },
          ],
  });
  const throughout = [1000, 16_000, 31_000];
  const noNotice = ['a: buenos dias le habla laura', 'a: sus datos seran tratados para gestionar su cuenta'];
  const withNotice = [
    'a: buenos dias esta llamada esta siendo grabada',
    'a: puede consultar nuestro aviso de privacidad en la pagina web',
  ];
  const run = (lines: string[], tone: RecordingToneInput) =>
    detectDisclosure(phrases, prepareTranscript(transcript(...lines), 'es'), 'mx', tone);

  it('off: reports the tone it measured without changing the outcome', () => {
    const r = run(noNotice, tones('off', throughout));
    expect(r.missing).toContain('recorded');
    expect(r.recordingTone).toMatchObject({ mode: 'off', channel: 1, beeps: 3, throughout: true });
    expect(run(noNotice, tones('off', [])).recordingTone).toBeUndefined();
  });

  it('alternative: a tone throughout the call stands for the spoken recording notice, a broken one does not', () => {
    const r = run(noNotice, tones('alternative', throughout));
    const recorded = r.elements.find((e) => e.id === 'recorded')!;
    expect(recorded).toMatchObject({ disclosed: true, by: 'tone' });
    expect(r.missing).not.toContain('recorded');
    expect(run(noNotice, tones('alternative', [1000, 16_000])).missing).toContain('recorded');
    expect(run(withNotice, tones('alternative', [])).elements.find((e) => e.id === 'recorded')).toMatchObject(
      {
        disclosed: true,
        by: 'speech',
      },
    );
  });

  it('required: the tone is one more element; a call whose audio was never examined lacks it', () => {
    const ok = run(withNotice, tones('required', throughout));
    expect(ok.elements.map((e) => e.id)).toEqual(['recorded', 'privacy_notice', 'recording_tone']);
    expect(ok.elements.find((e) => e.id === 'recording_tone')).toMatchObject({
      disclosed: true,
      present: true,
    });
    const stopped = run(withNotice, tones('required', [1000]));
    expect(stopped.missing).toEqual(['recording_tone']);
    expect(stopped.outcome).toBe('partial');
    expect(stopped.late).toContain('recording_tone');
    const unmeasured = run(withNotice, tones('required', null));
    expect(unmeasured.missing).toContain('recording_tone');
    expect(unmeasured.recordingTone).toMatchObject({ measured: false, beeps: 0, throughout: false });
  });
});

describe(agentSpeechBefore.name, () => {
  it('sums only agent speech, merging overlaps', () => {
    const segs = [
      { party: 'agent' as const, channel: 0, startMs: 0, endMs: 10_000, text: 'x' },
      { party: 'customer' as const, channel: 1, startMs: 10_000, endMs: 40_000, text: 'y' },
      { party: 'agent' as const, channel: 0, startMs: 5000, endMs: 12_000, text: 'z' },
      { party: 'agent' as const, channel: 0, startMs: 41_000, endMs: 50_000, text: 'w' },
    ];
    expect(agentSpeechBefore(segs, 45_000)).toBe(16_000);
  });
});

describe(profileForRegion.name, () => {
  it('picks the profile from the region', () => {
    expect([
      profileForRegion('CO'),
      profileForRegion('mx'),
      profileForRegion('US-CA'),
      profileForRegion('ES'),
      profileForRegion(null),
    ]).toEqual(['co', 'mx', 'us', 'generic', 'generic']);
  });
});
