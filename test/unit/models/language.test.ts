import { describe, expect, it } from 'vitest';
import { callLanguage } from '../../../models/language.ts';

describe(callLanguage.name, () => {
  it('keeps the ISO 639-1 code alone, in lower case', () => {
    expect(callLanguage('es')).toBe('es');
    expect(callLanguage('es-CO')).toBe('es');
    expect(callLanguage('EN_us')).toBe('en');
    expect(callLanguage(' pt ')).toBe('pt');
  });

  it('has no language for nothing or nonsense', () => {
    expect(callLanguage(null)).toBeNull();
    expect(callLanguage(undefined)).toBeNull();
    expect(callLanguage('')).toBeNull();
    expect(callLanguage('spanish!')).toBeNull();
  });
});
