import { describe, expect, it } from 'vitest';
import { PhraseRegistry } from '../../../../services/analytics/matching/phrase.registry.ts';
import { prepareTranscript } from '../../../../services/analytics/matching/prepared-transcript.ts';
import { transcript } from './transcript.helper.ts';

describe(PhraseRegistry.name, () => {
  const owner = {};
  const phrases = () =>
    new PhraseRegistry()
      .add('recorded', 'es', [{ id: 'notice', patterns: ['esta llamada (es|esta siendo) grabada'] }], 0.8)
      .add('greeting', 'es', [{ id: 'hello', patterns: ['buenos dias'] }], 0.8, owner);

  it('gives each namespace its own matches, with the phrase ids it was given', () => {
    const registry = phrases();
    const prepared = prepareTranscript(transcript('a: buenos dias, esta llamada esta siendo grabada'), 'es');
    expect(registry.matches(prepared, 'recorded').map((m) => m.phraseId)).toEqual(['notice']);
    expect(registry.matches(prepared, 'greeting').map((m) => m.phraseId)).toEqual(['hello']);
  });

  it('finds a list by the object it was made from, only in its language', () => {
    const registry = phrases();
    expect(registry.namespaceOf(owner, 'es')).toBe('greeting');
    expect(registry.namespaceOf(owner, 'en')).toBeUndefined();
    expect(registry.namespaceOf({}, 'es')).toBeUndefined();
  });

  it('refuses a namespace it does not hold, and a list added once the matcher is built', () => {
    const registry = phrases();
    const prepared = prepareTranscript(transcript('a: hola'), 'es');
    expect(() => registry.matches(prepared, 'promise')).toThrow(/no phrase list promise/);
    registry.matches(prepared, 'recorded');
    expect(() => registry.add('late', 'es', [{ id: 'x', patterns: ['tarde'] }], 0.8)).toThrow(/after/);
  });
});
