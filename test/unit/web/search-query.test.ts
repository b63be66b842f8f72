import { describe, expect, it } from 'vitest';
import { translate, type MessageKey } from '../../../services/web/src/i18n.ts';
import { describeQuery } from '../../../services/web/src/search-query.ts';

const t = (key: MessageKey, params?: Record<string, string | number>) => translate('es', key, params);

describe(describeQuery.name, () => {
  it('says a search in the UI language: durations and amounts in its numbers, languages by name', () => {
    const text = describeQuery({ minDurationMs: '90500', maxAmountDue: '1250.5', language: 'es' }, t, 'es');
    expect(text).toContain('90,5');
    expect(text).toContain('1.250,5');
    expect(text).toContain('español');
    expect(text).not.toMatch(/90\.5|1250\.5|: es\b/);
  });
});
