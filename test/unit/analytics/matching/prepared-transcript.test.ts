import { describe, expect, it } from 'vitest';
import {
  prepareTranscript,
  timeAtOffset,
} from '../../../../services/analytics/matching/prepared-transcript.ts';
import { transcript } from './transcript.helper.ts';

describe(prepareTranscript.name, () => {
  it('groups a speaker’s consecutive segments into one stream, across a short backchannel', () => {
    const p = prepareTranscript(
      transcript('a: le informo que', 'c: ajá', 'a: esta llamada es grabada', 'c: bueno y entonces qué'),
      'es',
    );
    expect(p.streams.map((s) => s.party)).toEqual(['agent', 'customer', 'customer']);
    expect(p.streams[0]!.tokens.map((t) => t.norm).join(' ')).toBe('le informo que esta llamada es grabada');
  });

  it('drops hesitation sounds from streams but keeps them in segment tokens', () => {
    const p = prepareTranscript(transcript('c: eh mmm sí claro'), 'es');
    expect(p.segmentTokens[0]!.filter((t) => t.filler).map((t) => t.norm)).toEqual(['eh', 'mmm']);
    expect(p.streams[0]!.tokens.map((t) => t.norm)).toEqual(['si', 'claro']);
  });

  it('uses word timings when the recognizer gives them, and estimates from characters otherwise', () => {
    const seg = { party: 'agent' as const, channel: 0, startMs: 1000, endMs: 3000, text: 'hola buenos dias' };
    expect(timeAtOffset(seg, 8)).toBe(2000);
    const withWords = {
      ...seg,
      words: [
        { word: 'hola', startMs: 1000, endMs: 1200 },
        { word: 'buenos', startMs: 2500, endMs: 2700 },
        { word: 'dias', startMs: 2700, endMs: 3000 },
      ],
    };
    const p = prepareTranscript([withWords], 'es');
    expect(p.segmentTokens[0]!.map((t) => t.startMs)).toEqual([1000, 2500, 2700]);
  });
});
