import { describe, expect, it } from 'vitest';
import { findNumbers, parseDayAt } from '../../../../services/analytics/matching/numbers.ts';
import { tokenize } from '../../../../services/analytics/matching/normalize.ts';

const values = (text: string, lang: 'es' | 'en', colloquial = false) =>
  findNumbers(
    tokenize(text, lang).map((t) => t.norm),
    lang,
    { colloquialHundreds: colloquial },
  ).map((n) => n.value);

describe('findNumbers', () => {
  it('reads Spanish number words', () => {
    expect(values('doscientos mil pesos', 'es')).toEqual([200000]);
    expect(values('quinientos cincuenta y tres mil', 'es')).toEqual([553000]);
    expect(values('un millón doscientos mil', 'es')).toEqual([1200000]);
    expect(values('dos millones quinientos mil', 'es')).toEqual([2500000]);
    expect(values('mil quinientos', 'es')).toEqual([1500]);
    expect(values('un millon y medio', 'es')).toEqual([1500000]);
    expect(values('veinti seis', 'es')).toEqual([26]);
    // seseo as a recognizer writes it
    expect(values('dosientos mil', 'es')).toEqual([200000]);
    expect(values('el onse le abono ochosientos', 'es')).toEqual([11, 800]);
  });

  it('reads written amounts with separators and scale words', () => {
    expect(values('$250.000', 'es')).toEqual([250000]);
    expect(values('1.200.000', 'es')).toEqual([1200000]);
    expect(values('250 mil', 'es')).toEqual([250000]);
    expect(values('99.50 dollars', 'en')).toEqual([99.5]);
  });

  it('reads the rest of a number a recognizer wrote in digits after a scale word', () => {
    expect(values('six hundred and 75 dollars', 'en')).toEqual([675]);
    expect(values('two thousand 500', 'en')).toEqual([2500]);
    expect(values('3 mil 500 pesos', 'es')).toEqual([3500]);
    expect(values('4 millones 520 mil', 'es')).toEqual([4520000]);
    expect(values('un millón 200 mil', 'es')).toEqual([1200000]);
    // a count after an amount, or a year's end, is a number of its own
    expect(values('40 mil 3 cuotas', 'es')).toEqual([40000, 3]);
    expect(values('dos mil 24', 'es')).toEqual([2000, 24]);
    expect(values('un millón 5 cuotas', 'es')).toEqual([1000000, 5]);
    expect(values('68 millones 943.874', 'es')).toEqual([68000000, 943874]);
  });

  it('reads English number words and price shorthand', () => {
    expect(values('two hundred and fifty', 'en')).toEqual([250]);
    expect(values('fifteen hundred', 'en')).toEqual([1500]);
    expect(values('a hundred and fifty', 'en')).toEqual([150]);
    expect(values('one thousand two hundred', 'en')).toEqual([1200]);
    expect(values('two fifty', 'en', true)).toEqual([250]);
    expect(values('two fifty', 'en')).toEqual([2, 50]);
  });

  it('keeps digits read one by one apart and separates a day from an amount', () => {
    expect(values('cuatro cinco uno uno', 'es')).toEqual([4, 5, 1, 1]);
    expect(values('el martes veintiséis quinientos mil', 'es')).toEqual([26, 500000]);
  });

  it('does not take words named like object properties for numbers', () => {
    expect(values('constructor tostring valueof cinco', 'es')).toEqual([5]);
    expect(values('constructor hasownproperty two', 'en')).toEqual([2]);
  });
});

describe('parseDayAt', () => {
  it('reads ordinals and days of the month', () => {
    expect(parseDayAt(['15th'], 0, 'en')?.value).toBe(15);
    expect(parseDayAt(['5', 'th'], 0, 'en')).toMatchObject({ value: 5, end: 2 });
    expect(parseDayAt(['twenty', 'first'], 0, 'en')?.value).toBe(21);
    expect(parseDayAt(['primero'], 0, 'es')?.value).toBe(1);
    expect(parseDayAt(['treinta', 'y', 'uno'], 0, 'es')?.value).toBe(31);
    expect(parseDayAt(['cuarenta'], 0, 'es')).toBeUndefined();
  });
});
