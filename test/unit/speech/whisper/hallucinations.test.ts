import { describe, expect, it } from 'vitest';
import { implausibleText } from '../../../../services/speech/whisper/hallucinations.ts';

describe(implausibleText.name, () => {
  it('keeps what callers say', () => {
    for (const t of [
      'Buenos días, ¿hablo con la señora Gómez?',
      'Sí, gracias.',
      'Le llamo por el saldo de 1.250.000 pesos.',
      'OK, thank you for calling.',
      'Mm-hmm.',
    ]) {
      expect(implausibleText(t, t.startsWith('OK') ? 'en' : 'es')).toBeNull();
    }
  });

  it('drops subtitle credits and sign-offs Whisper writes over silence and music', () => {
    expect(implausibleText('Subtítulos realizados por la comunidad de Amara.org', 'es')).toBe(
      'subtitle credit',
    );
    expect(implausibleText('¡Gracias por ver el video!', 'es')).toBe('subtitle credit');
    expect(implausibleText('Thanks for watching!', 'en')).toBe('subtitle credit');
    expect(implausibleText('¡Suscríbete!', 'es')).toBe('subtitle credit');
  });

  it('drops text with no words, or mostly in another script than the language', () => {
    expect(implausibleText('🤣', 'es')).toBe('no words');
    expect(implausibleText('...', 'en')).toBe('no words');
    expect(implausibleText('진ers บ', 'es')).toBe('not in the language’s script');
    expect(implausibleText('начets', 'en')).toBe('not in the language’s script');
    // Outside the Latin-script languages the script is not judged.
    expect(implausibleText('Привет, это Анна', 'ru')).toBeNull();
  });
});
