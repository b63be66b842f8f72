import { findNumbers } from '../matching/numbers.ts';
import type { Token } from '../matching/prepared-transcript.ts';
import type { Language, Transcript } from '../matching/transcript.types.ts';

/**
 * Money amounts in a run of tokens: spoken or written numbers with the currency said next to them ("doscientos mil
 * pesos", "$80", "fifty bucks") or taken from the account. Numbers that are part of a date are excluded by the
 * caller through `exclude`.
 */

export interface Amount {
  value: number;
  currency: string;
  /** True when the currency was said, false when it came from the account. */
  currencyStated: boolean;
  text: string;
  /** Token range [start, end) in the list given. */
  start: number;
  end: number;
}

const PESO_WORDS = new Set(['pesos', 'peso', 'pesitos', 'lucas', 'luca', 'barras']);
const DOLLAR_WORDS = new Set(['dolares', 'dolar', 'dollars', 'dollar', 'bucks', 'usd', 'dolaritos']);
const EURO_WORDS = new Set(['euros', 'euro']);

/**
 * Words after a number that make it a duration, a count, an age, a percentage or days past due — never money
 * ("un acuerdo a tres meses", "45 días de mora", "tengo 7 hijos", "a 6-month plan", "40 percent off").
 */
const NOT_MONEY_AFTER = new Set([
  'dia',
  'dias',
  'semana',
  'semanas',
  'mes',
  'meses',
  'ano',
  'anos',
  'hora',
  'horas',
  'minuto',
  'minutos',
  'quincena',
  'quincenas',
  'cuota',
  'cuotas',
  'plazo',
  'plazos',
  'mensualidades',
  'hijo',
  'hijos',
  'hija',
  'hijas',
  'nietos',
  'vez',
  'veces',
  'recibo',
  'recibos',
  'pagos',
  'porciento',
  'day',
  'days',
  'week',
  'weeks',
  'month',
  'months',
  'year',
  'years',
  'hour',
  'hours',
  'minute',
  'minutes',
  'payments',
  'installments',
  'kid',
  'kids',
  'children',
  'percent',
  'times',
]);

/** Smallest value read as money when no currency is said, by account currency (a bare "tres" is not COP 3). */
const MIN_UNSTATED: Record<string, number> = { COP: 1000, CLP: 500, ARS: 100 };

/** True when the number at [start, end) is followed by a unit that makes it something other than money. */
function unitAfter(norms: readonly string[], end: number, text: string): boolean {
  const w = norms[end];
  if (w && NOT_MONEY_AFTER.has(w)) return true;
  if (w === 'por' && (norms[end + 1] === 'ciento' || norms[end + 1] === 'cien')) return true;
  if (
    w === 'de' &&
    (norms[end + 1] === 'mora' || norms[end + 1] === 'atraso' || norms[end + 1] === 'retraso')
  )
    return true;
  return /^\s*%/.test(text);
}

function pesoCurrency(
  accountCurrency: string | null | undefined,
  country: string | null | undefined,
): string {
  if (accountCurrency && ['COP', 'MXN', 'CLP', 'ARS', 'DOP', 'UYU', 'PHP'].includes(accountCurrency))
    return accountCurrency;
  if (country === 'MX') return 'MXN';
  if (country === 'CL') return 'CLP';
  if (country === 'AR') return 'ARS';
  return 'COP';
}

export function extractAmounts(
  tokens: readonly Token[],
  segments: Transcript,
  language: Language,
  options: {
    accountCurrency?: string | null;
    /** The call's ISO 3166 country (callCountry): which peso an amount without currency is. */
    country?: string | null;
    exclude?: (i: number) => boolean;
  },
): Amount[] {
  const norms = tokens.map((t) => t.norm);
  const numbers = findNumbers(norms, language, { colloquialHundreds: language === 'en' });
  const out: Amount[] = [];
  for (const n of numbers) {
    let excluded = false;
    for (let k = n.start; k < n.end; k++) if (options.exclude?.(k)) excluded = true;
    if (excluded || n.value <= 0) continue;
    const lastTok = tokens[n.end - 1]!;
    const following = segments[lastTok.segmentIndex]?.text.slice(lastTok.end, lastTok.end + 3) ?? '';
    if (unitAfter(norms, n.end, following)) continue;
    // a lone "oh"/"a" or one-word English unit is rarely an amount
    if (language === 'en' && n.end - n.start === 1 && (norms[n.start] === 'oh' || norms[n.start] === 'one'))
      continue;
    let end = n.end;
    const after = norms[n.end];
    let currency: string | undefined;
    if (after && PESO_WORDS.has(after)) {
      currency = pesoCurrency(options.accountCurrency, options.country);
      end++;
    } else if (after && DOLLAR_WORDS.has(after)) {
      currency = 'USD';
      end++;
    } else if (after && EURO_WORDS.has(after)) {
      currency = 'EUR';
      end++;
    } else if (after === 'de' && norms[n.end + 1] && PESO_WORDS.has(norms[n.end + 1]!)) {
      currency = pesoCurrency(options.accountCurrency, options.country);
      end += 2;
    }
    const first = tokens[n.start]!;
    const seg = segments[first.segmentIndex];
    const before = seg ? seg.text.slice(Math.max(0, first.start - 2), first.start) : '';
    if (!currency && before.includes('$')) {
      currency =
        options.accountCurrency && options.accountCurrency !== 'EUR'
          ? options.accountCurrency
          : language === 'en'
            ? 'USD'
            : pesoCurrency(options.accountCurrency, options.country);
    }
    if (!currency && before.includes('€')) currency = 'EUR';
    if (!currency && seg && /^\s*€/.test(seg.text.slice(tokens[end - 1]!.end, tokens[end - 1]!.end + 3))) {
      currency = 'EUR';
    }
    const stated = currency !== undefined;
    const account = options.accountCurrency ?? (language === 'en' ? 'USD' : 'COP');
    if (!stated && n.value < (MIN_UNSTATED[account] ?? 10)) continue;
    // a card, ID or phone number read out ("es una visa 4070 3937 …") is no amount without a currency
    if (!stated && n.value >= 1e9) continue;
    const last = tokens[end - 1]!;
    const text =
      first.segmentIndex === last.segmentIndex && seg
        ? seg.text.slice(first.start, last.end)
        : tokens
            .slice(n.start, end)
            .map((t) => t.surface)
            .join(' ');
    out.push({
      value: n.value,
      currency: currency ?? options.accountCurrency ?? (language === 'en' ? 'USD' : 'COP'),
      currencyStated: stated,
      text,
      start: n.start,
      end,
    });
  }
  return out;
}

/** The amount a sentence most likely commits to: one with its currency said, else the largest. */
export function pickAmount(amounts: readonly Amount[]): Amount | undefined {
  if (amounts.length === 0) return undefined;
  const stated = amounts.filter((a) => a.currencyStated);
  const pool = stated.length > 0 ? stated : amounts;
  return pool.reduce((best, a) => (a.value > best.value ? a : best));
}
