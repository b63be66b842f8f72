import { describe, expect, it } from 'vitest';
import { detectBeeps } from '../../../../services/analytics/beep/beep.detector.ts';
import {
  conversationStart,
  detectDisclosure,
  type RecordingToneInput,
} from '../../../../services/analytics/disclosure/disclosure.detector.ts';
import {
  configuredProfile,
  profileForCountry,
} from '../../../../services/analytics/disclosure/disclosure.profiles.ts';
import { prepareTranscript } from '../../../../services/analytics/matching/prepared-transcript.ts';
import { transcript } from '../matching/transcript.helper.ts';
import { createBuiltInPhrases } from '../../../../services/analytics/built-in-phrases.ts';

const phrases = createBuiltInPhrases();

const es = (profile: 'generic' | 'co' | 'mx' | 'es' | 'us', ...lines: string[]) =>
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

  it('reads a notice denied with a clitic before the verb as not given ("no se está grabando")', () => {
    const r = es(
      'us',
      'c: sí, soy yo. ¿esta llamada se está grabando?',
      'a: no señora, esta llamada no se está grabando. esta es una comunicación de un cobrador de deudas.',
    );
    expect(r.elements.find((e) => e.id === 'recorded')!.disclosed).toBe(false);
  });

  it('reads "may be monitored" without a word of recording, and a notice denied with an article, as no notice', () => {
    const recorded = (r: ReturnType<typeof en>) => r.elements.find((e) => e.id === 'recorded')!.disclosed;
    expect(
      recorded(
        en(
          'us',
          'a: Good afternoon, calls on this line may be monitored for quality assurance. This is Brandon.',
        ),
      ),
    ).toBe(false);
    expect(recorded(en('us', 'c: Are you recording this?', "a: No, sir, this isn't a recorded line."))).toBe(
      false,
    );
    expect(
      recorded(
        en('us', "a: Mr. Tillman, I'm Rebecca Nash. Just so you're aware, this conversation is being taped."),
      ),
    ).toBe(true);
    expect(
      es(
        'mx',
        'a: Don Wilmer, le saluda Natalia. Antes de seguir, le comento que todo lo que hablemos queda grabado.',
      ).elements.find((e) => e.id === 'recorded')!.disclosed,
    ).toBe(true);
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

  it('does not count a notice given after the window, but says it was late and when', () => {
    const long =
      'le explico con calma el estado de su cuenta y las alternativas que tenemos para usted este mes';
    const r = es(
      'mx',
      'a: buenas tardes',
      ...Array.from({ length: 10 }, () => `a: ${long}`),
      'a: esta llamada es grabada',
      'a: consulte nuestro aviso de privacidad',
    );
    expect(r.elements.find((e) => e.id === 'recorded')).toMatchObject({
      outcome: 'late',
      disclosed: false,
      present: true,
      windowMs: 30_000,
    });
    expect(r.elements[0]!.atMs).toBeGreaterThan(30_000);
    expect(r.late).toEqual(['recorded', 'privacy_notice']);
    expect(r.missing).toEqual([]);
    expect(r.elements[1]!.evidence[0]!.matchedText).toBe('consulte nuestro aviso de privacidad');
    expect(r.outcome).toBe('late');
  });

  it("times the notice on the call's clock: 10 s of agent speech after 85 s of customer speech is late", () => {
    const r = es(
      'mx',
      'c@0: bueno',
      'c@1.5: mire le explico lo que paso con mi cuenta desde el principio porque nadie me quiere atender',
      'c@30: y despues me volvieron a llamar tres veces en la misma semana a cualquier hora',
      'c@60: ya no se que hacer con ustedes de verdad estoy cansado de esta situacion',
      'c@80: asi que digame que necesita',
      'a@85: le entiendo senor le saluda marta de cobranzas del centro',
      'a@95: esta llamada es grabada',
      'a@97: consulte nuestro aviso de privacidad',
    );
    expect(r.conversationStartMs).toBe(0);
    const recorded = r.elements.find((e) => e.id === 'recorded')!;
    expect(recorded).toMatchObject({ outcome: 'late', disclosed: false, present: true, atMs: 95_000 });
    expect(r.outcome).toBe('late');
    expect(r.late).toEqual(['recorded', 'privacy_notice']);
  });

  it('gives a notice said within the window from the first speech, whoever spoke first', () => {
    const r = es(
      'mx',
      'c@20: bueno',
      'a@22: buenas tardes le habla marta de cobranzas del centro',
      'a@45: esta llamada es grabada',
      'a@48: consulte nuestro aviso de privacidad',
    );
    expect(r.conversationStartMs).toBe(20_000);
    expect(r.elements.map((e) => [e.id, e.outcome, e.atMs])).toEqual([
      ['recorded', 'given', 25_000],
      ['privacy_notice', 'given', 28_000],
    ]);
    expect(r.outcome).toBe('disclosed');
  });

  it('takes each profile its own configured window', () => {
    const lines = [
      'a@0: buenas tardes',
      'a@40: esta llamada es grabada',
      'a@42: consulte nuestro aviso de privacidad',
    ];
    const prepared = prepareTranscript(transcript(...lines), 'es');
    expect(detectDisclosure(phrases, prepared, 'mx').outcome).toBe('late');
    const wider = configuredProfile('mx', { windowMs: 45_000 });
    expect(detectDisclosure(phrases, prepared, wider)).toMatchObject({
      outcome: 'disclosed',
      windowMs: 45_000,
    });
  });

  it('does not count a notice said only by the customer', () => {
    const r = es(
      'mx',
      'a@0: buenas tardes le habla marta',
      'c@3: ya se que esta llamada es grabada',
      'c@6: y ya lei su aviso de privacidad',
    );
    expect(r.elements.every((e) => e.outcome === 'missing' && !e.present)).toBe(true);
    expect(r.outcome).toBe('missing');
  });

  it('mixes late and missing elements into partial', () => {
    const r = es('mx', 'a@0: buenas tardes', 'a@70: esta llamada es grabada');
    expect(r).toMatchObject({ outcome: 'partial', late: ['recorded'], missing: ['privacy_notice'] });
  });

  it("checks Spain's notices (recorded, purpose, rights)", () => {
    const r = es(
      'es',
      'a@0: buenos dias le llamo de financiera iberica',
      'a@4: le informo que esta llamada esta siendo grabada por motivos de calidad',
      'a@9: puede ejercer sus derechos de acceso rectificacion y supresion',
    );
    expect(r.outcome).toBe('disclosed');
    expect(es('es', 'a@0: buenos dias esta llamada esta siendo grabada').missing).toEqual([
      'purpose',
      'right_to_object',
    ]);
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

  it('hears the recording notice in the wordings collection lines use, in English and in Spanish', () => {
    const recorded = (r: ReturnType<typeof en>) => r.elements.find((e) => e.id === 'recorded')!.outcome;
    for (const line of [
      'a: just so you know we record all of our calls for quality purposes',
      'a: heads up this line is recorded',
      'a: please note that calls to this number may be monitored and recorded',
      'a: all of our calls are recorded',
    ]) {
      expect(recorded(en('generic', line)), line).toBe('given');
    }
    for (const line of [
      'a: le informo que grabamos todas nuestras llamadas',
      'a: esta linea esta siendo grabada',
      'a: todas las llamadas son grabadas por calidad',
      'a: esta llamada puede ser monitoreada y grabada',
    ]) {
      expect(recorded(es('generic', line)), line).toBe('given');
    }
  });

  it('does not take a call that may only be monitored for a recorded one', () => {
    expect(es('generic', 'a: esta llamada puede ser monitoreada por un supervisor').missing).toContain(
      'recorded',
    );
    expect(en('generic', 'a: this call may be monitored by a supervisor').missing).toContain('recorded');
    expect(en('us', 'a: i may record all of your information in our system').missing).toContain('recorded');
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
    expect(recorded).toMatchObject({ outcome: 'given', disclosed: true, by: 'tone' });
    expect(recorded.tone).toMatchObject({ channel: 1, startMs: 1000, beeps: 3 });
    expect(recorded.tone!.frequencyHz).toBeCloseTo(1400, -1);
    expect(recorded.tone!.periodMs).toBeCloseTo(15_000, -2);
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
    expect(ok.elements.find((e) => e.id === 'recording_tone')!.tone).toMatchObject({ channel: 1, beeps: 3 });
    const stopped = run(withNotice, tones('required', [1000]));
    expect(stopped.missing).toEqual(['recording_tone']);
    expect(stopped.outcome).toBe('partial');
    expect(stopped.elements.find((e) => e.id === 'recording_tone')).toMatchObject({ present: true });
    const unmeasured = run(withNotice, tones('required', null));
    expect(unmeasured.missing).toContain('recording_tone');
    expect(unmeasured.recordingTone).toMatchObject({ measured: false, beeps: 0, throughout: false });
  });
});

describe('the recording tone as each profile accepts it', () => {
  const RATE = 16_000;
  const beeps = (startsMs: number[]) => {
    const x = new Float32Array(40 * RATE);
    for (const at of startsMs) {
      const from = (at / 1000) * RATE;
      for (let i = 0; i < 0.3 * RATE; i++) x[from + i] = 0.3 * Math.sin((2 * Math.PI * 1400 * i) / RATE);
    }
    return { channel: 0, ...detectBeeps(x) };
  };
  const tone: RecordingToneInput = { intervalMs: 15_000, channels: [beeps([1000, 16_000, 31_000])] };
  const lines = [
    'a@0: hi this is sarah with apex financial',
    'a@3: this is an attempt to collect a debt and any information obtained will be used for that purpose',
    'a@9: this communication is from a debt collector',
  ];

  it('counts the tone as the recording notice where the law accepts it (us), not where it does not (mx)', () => {
    const us = detectDisclosure(phrases, prepareTranscript(transcript(...lines), 'en'), 'us', tone);
    expect(us.outcome).toBe('disclosed');
    expect(us.recordingTone).toMatchObject({ mode: 'alternative', throughout: true });
    expect(us.elements[0]).toMatchObject({ id: 'recorded', by: 'tone', tone: { startMs: 1000 } });
    const mx = detectDisclosure(
      phrases,
      prepareTranscript(transcript('a@0: buenas tardes consulte nuestro aviso de privacidad'), 'es'),
      'mx',
      tone,
    );
    expect(mx.recordingTone).toMatchObject({ mode: 'off', throughout: true });
    expect(mx.missing).toEqual(['recorded']);
  });

  it('lets the deployment set one mode for every profile', () => {
    const off = detectDisclosure(phrases, prepareTranscript(transcript(...lines), 'en'), 'us', {
      ...tone,
      mode: 'off',
    });
    expect(off.missing).toEqual(['recorded']);
  });
});

describe(conversationStart.name, () => {
  it("is the first speech of either party on the call's clock", () => {
    const segs = [
      { party: 'agent' as const, channel: 0, startMs: 7000, endMs: 10_000, text: 'x' },
      { party: 'customer' as const, channel: 1, startMs: 2500, endMs: 4000, text: 'y' },
      { party: 'customer' as const, channel: 1, startMs: 1000, endMs: 2000, text: ' ' },
    ];
    expect(conversationStart(segs)).toBe(2500);
    expect(conversationStart([])).toBeNull();
  });
});

describe(profileForCountry.name, () => {
  it('knows Colombia, Mexico, Spain and the US by their ISO 3166 codes, and nothing else', () => {
    expect(['CO', 'mx', 'ES', 'US', 'CR', 'PE', null].map(profileForCountry)).toEqual([
      'co',
      'mx',
      'es',
      'us',
      null,
      null,
      null,
    ]);
  });
});
