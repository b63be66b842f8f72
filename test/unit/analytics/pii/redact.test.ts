import { describe, expect, it } from 'vitest';
import { prepareTranscript } from '../../../../services/analytics/matching/prepared-transcript.ts';
import { detectPii } from '../../../../services/analytics/pii/pii.detector.ts';
import { redact } from '../../../../services/analytics/pii/redact.ts';
import { transcript } from '../matching/transcript.helper.ts';

describe(redact.name, () => {
  it('replaces each span with a typed placeholder and lists padded mute ranges per channel', () => {
    const t = transcript(
      'a: me regala el número de la tarjeta',
      'c: claro es cuatro cinco dos seis cero uno ocho uno cinco nueve cero ocho tres cero uno dos',
      'a: y su correo',
      'c: juan punto perez arroba gmail punto com gracias',
    );
    const spans = detectPii(prepareTranscript(t, 'es'));
    const r = redact(t, spans, { paddingMs: 200 });
    expect(r.segments.map((s) => s.text)).toEqual([
      'me regala el número de la tarjeta',
      'claro es [CARD]',
      'y su correo',
      '[EMAIL] gracias',
    ]);
    expect(r.counts).toEqual({ CARD: 1, EMAIL: 1 });
    expect(r.muteRanges).toHaveLength(2);
    expect(r.muteRanges[0]).toMatchObject({ channel: 1, types: ['CARD'] });
    expect(r.muteRanges[0]!.startMs).toBe(spans[0]!.startMs - 200);
    expect(r.muteRanges[0]!.endMs).toBe(spans[0]!.endMs + 200);
    expect(r.muteRanges[0]!.startMs).toBeGreaterThan(t[1]!.startMs);
  });

  it('keeps the types it is told to keep and leaves other segments untouched', () => {
    const t = transcript('c: mi celular es tres cero cero uno dos tres cuatro cinco seis siete');
    const r = redact(t, detectPii(prepareTranscript(t, 'es')), { keep: ['PHONE'] });
    expect(r.segments[0]!.text).toBe(t[0]!.text);
    expect(r.muteRanges).toEqual([]);
  });
});
