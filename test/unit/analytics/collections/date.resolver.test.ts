import { describe, expect, it } from 'vitest';
import { isoDate } from '../../../../services/analytics/collections/calendar.ts';
import { findDates } from '../../../../services/analytics/collections/date.resolver.ts';
import { tokenize } from '../../../../services/analytics/matching/normalize.ts';

const wednesday = { year: 2024, month: 3, day: 13 };
const dates = (text: string, lang: 'es' | 'en', today = wednesday) =>
  findDates(
    tokenize(text, lang).map((t) => t.norm),
    lang,
    today,
  ).map((d) => (d.date ? isoDate(d.date) : null));

describe(findDates.name, () => {
  it('resolves Spanish relative dates against the call day', () => {
    expect(dates('mañana', 'es')).toEqual(['2024-03-14']);
    expect(dates('pasado mañana', 'es')).toEqual(['2024-03-15']);
    expect(dates('el viernes 15', 'es')).toEqual(['2024-03-15']);
    expect(dates('el miércoles', 'es')).toEqual(['2024-03-20']);
    expect(dates('el quince de diciembre', 'es')).toEqual(['2024-12-15']);
    expect(dates('el 5', 'es')).toEqual(['2024-04-05']);
    expect(dates('en ocho días', 'es')).toEqual(['2024-03-20']);
    expect(dates('fin de mes', 'es')).toEqual(['2024-03-31']);
    expect(dates('el primero de enero', 'es')).toEqual(['2025-01-01']);
  });

  it('treats "la otra semana" as a vague time and "en la mañana" as the morning', () => {
    expect(dates('la otra semana', 'es')).toEqual([null]);
    expect(dates('el sábado en la mañana', 'es')).toEqual(['2024-03-16']);
  });

  it('resolves English dates', () => {
    const friday = { year: 2025, month: 1, day: 10 };
    expect(dates('tomorrow', 'en', friday)).toEqual(['2025-01-11']);
    expect(dates('next monday', 'en', friday)).toEqual(['2025-01-13']);
    expect(dates('on the 5th', 'en', friday)).toEqual(['2025-02-05']);
    expect(dates('january fifteenth', 'en', friday)).toEqual(['2025-01-15']);
    expect(dates('in two weeks', 'en', friday)).toEqual(['2025-01-24']);
    expect(dates('at the end of the month', 'en', friday)).toEqual(['2025-01-31']);
  });

  it('does not take an amount for a day', () => {
    expect(dates('los ochenta mil', 'es')).toEqual([]);
    expect(dates('el veinte mil', 'es')).toEqual([]);
  });
});
