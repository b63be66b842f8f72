import { describe, expect, it } from 'vitest';
import {
  addDays,
  DATE_PROBLEMS,
  datePattern,
  formatDateInput,
  parseDateInput,
} from '../../../services/web/src/date-input.ts';
import { translate, type MessageKey } from '../../../services/web/src/i18n.ts';
import { plural } from '../../../services/web/src/labels.ts';

describe('dates typed in the UI language', () => {
  it('reads day/month/year in Spanish and month/day/year in English, and ISO in both', () => {
    expect(parseDateInput('23/11/2026', 'es', 'date')).toEqual({ ok: true, value: '2026-11-23' });
    expect(parseDateInput('3/2/2026', 'es', 'date')).toEqual({ ok: true, value: '2026-02-03' });
    expect(parseDateInput('3/2/2026', 'en', 'date')).toEqual({ ok: true, value: '2026-03-02' });
    expect(parseDateInput('11/23/2026', 'en', 'date')).toEqual({ ok: true, value: '2026-11-23' });
    expect(parseDateInput(' 23-11-2026 ', 'es', 'date')).toEqual({ ok: true, value: '2026-11-23' });
    expect(parseDateInput('23.11.2026', 'es', 'date')).toEqual({ ok: true, value: '2026-11-23' });
    expect(parseDateInput('2026-11-23', 'es', 'date')).toEqual({ ok: true, value: '2026-11-23' });
    expect(parseDateInput('2026-11-23', 'en', 'date')).toEqual({ ok: true, value: '2026-11-23' });
    expect(parseDateInput('', 'es', 'date')).toEqual({ ok: true, value: '' });
  });

  it('says whether a text is not written as a date or names a day that does not exist', () => {
    expect(parseDateInput('mañana', 'es', 'date')).toEqual({ ok: false, problem: 'format' });
    expect(parseDateInput('23/11', 'es', 'date')).toEqual({ ok: false, problem: 'format' });
    expect(parseDateInput('23/11/26', 'es', 'date')).toEqual({ ok: false, problem: 'format' });
    expect(parseDateInput('23/11/2026 10:00', 'es', 'date')).toEqual({ ok: false, problem: 'format' });
    // 23/11 read the English way is month 23
    expect(parseDateInput('23/11/2026', 'en', 'date')).toEqual({ ok: false, problem: 'date' });
    expect(parseDateInput('31/04/2026', 'es', 'date')).toEqual({ ok: false, problem: 'date' });
    expect(parseDateInput('29/02/2026', 'es', 'date')).toEqual({ ok: false, problem: 'date' });
    expect(parseDateInput('29/02/2028', 'es', 'date')).toEqual({ ok: true, value: '2028-02-29' });
    expect(parseDateInput('00/01/2026', 'es', 'date')).toEqual({ ok: false, problem: 'date' });
  });

  it('reads a time on a 24-hour clock, am/pm in either language, and fills a missing one by the field', () => {
    const dt = (text: string, lang: 'es' | 'en', at?: 'start' | 'end') =>
      parseDateInput(text, lang, 'datetime', at);
    expect(dt('23/11/2026 15:30', 'es')).toEqual({ ok: true, value: '2026-11-23T15:30' });
    expect(dt('23/11/2026, 9:05', 'es')).toEqual({ ok: true, value: '2026-11-23T09:05' });
    expect(dt('23/11/2026 3:15 p. m.', 'es')).toEqual({ ok: true, value: '2026-11-23T15:15' });
    expect(dt('11/23/2026 12:10 AM', 'en')).toEqual({ ok: true, value: '2026-11-23T00:10' });
    expect(dt('11/23/2026 12:10 pm', 'en')).toEqual({ ok: true, value: '2026-11-23T12:10' });
    expect(dt('2026-11-23T08:00', 'en')).toEqual({ ok: true, value: '2026-11-23T08:00' });
    expect(dt('23/11/2026', 'es')).toEqual({ ok: true, value: '2026-11-23T00:00' });
    expect(dt('23/11/2026', 'es', 'end')).toEqual({ ok: true, value: '2026-11-23T23:59' });
    expect(dt('23/11/2026 24:00', 'es')).toEqual({ ok: false, problem: 'time' });
    expect(dt('23/11/2026 10:75', 'es')).toEqual({ ok: false, problem: 'time' });
    expect(dt('11/23/2026 13:00 pm', 'en')).toEqual({ ok: false, problem: 'time' });
    expect(dt('23/11/2026 a las diez', 'es')).toEqual({ ok: false, problem: 'format' });
  });

  it('writes a value back the way the language types it, so what it shows reads back the same', () => {
    expect(datePattern('es', 'date')).toBe('dd/mm/aaaa');
    expect(datePattern('en', 'datetime')).toBe('mm/dd/yyyy hh:mm');
    expect(formatDateInput('2026-02-03', 'es', 'date')).toBe('03/02/2026');
    expect(formatDateInput('2026-02-03', 'en', 'date')).toBe('02/03/2026');
    expect(formatDateInput('2026-02-03T07:45', 'es', 'datetime')).toBe('03/02/2026 07:45');
    expect(formatDateInput('2026-02-03', 'en', 'datetime')).toBe('02/03/2026 00:00');
    expect(formatDateInput('', 'es', 'date')).toBe('');
    for (const lang of ['es', 'en'] as const) {
      for (const value of ['2026-12-31T23:59', '2024-02-29T00:00']) {
        expect(parseDateInput(formatDateInput(value, lang, 'datetime'), lang, 'datetime')).toEqual({
          ok: true,
          value,
        });
      }
    }
  });

  it('moves a date by days across months and years, keeping its time', () => {
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-03-01T10:30', -1)).toBe('2026-02-28T10:30');
  });

  it('has a message for every problem in both languages', () => {
    for (const problem of DATE_PROBLEMS)
      for (const lang of ['es', 'en'] as const)
        expect(translate(lang, `dateProblem_${problem}` as MessageKey)).not.toMatch(/^dateProblem/);
  });
});

describe('counts in singular and plural', () => {
  it('says one call and other counts of calls in each language', () => {
    const es = (key: MessageKey, params?: Record<string, string | number>) => translate('es', key, params);
    const en = (key: MessageKey, params?: Record<string, string | number>) => translate('en', key, params);
    expect(plural(es, 'nCalls', 1)).toBe('1 llamada');
    expect(plural(es, 'nCalls', 0)).toBe('0 llamadas');
    expect(plural(es, 'nCalls', 2)).toBe('2 llamadas');
    expect(plural(en, 'nCalls', 1)).toBe('1 call');
    expect(plural(en, 'nCalls', 3)).toBe('3 calls');
    expect(plural(es, 'queueDone', 1)).toBe('1 hecha');
    expect(plural(es, 'ruleReason_mentionedTimes', 1, { required: 2 })).toBe(
      'Se mencionó una vez; se piden 2.',
    );
  });
});
