import type { Language } from './transcript.types.ts';

/**
 * A light suffix stemmer over folded tokens (no accents). It only needs to make inflections of one word equal
 * ("grabada", "grabando", "grabación" → "grab"; "recorded", "recording" → "record"); it is deliberately
 * conservative: the stem keeps at least three letters.
 */

const ES_SUFFIXES = [
  'amientos',
  'imientos',
  'amiento',
  'imiento',
  'aciones',
  'iciones',
  'uciones',
  'aremos',
  'eremos',
  'iremos',
  'acion',
  'icion',
  'ucion',
  'mente',
  'ables',
  'ibles',
  'ieron',
  'iendo',
  'yendo',
  'able',
  'ible',
  'ando',
  'adas',
  'ados',
  'idas',
  'idos',
  'aron',
  'aban',
  'abas',
  'amos',
  'emos',
  'imos',
  'aria',
  'eria',
  'iria',
  'ada',
  'ado',
  'ida',
  'ido',
  'aba',
  'ian',
  'are',
  'ere',
  'ire',
  'ia',
  'ar',
  'er',
  'ir',
  'an',
  'en',
  'as',
  'es',
  'os',
  'a',
  'e',
  'o',
  's',
];

const EN_SUFFIXES = [
  'ational',
  'ations',
  'ation',
  'ments',
  'ment',
  'ings',
  'ing',
  'ions',
  'ion',
  'ors',
  'ers',
  'edly',
  'ies',
  'ied',
  'ed',
  'es',
  'or',
  'er',
  'ly',
  's',
];

const cache: Record<Language, Map<string, string>> = { es: new Map(), en: new Map() };

export function stem(norm: string, language: Language): string {
  const c = cache[language];
  const hit = c.get(norm);
  if (hit !== undefined) return hit;
  let out = norm;
  if (!/\d/.test(norm)) {
    const suffixes = language === 'es' ? ES_SUFFIXES : EN_SUFFIXES;
    for (const s of suffixes) {
      if (norm.length - s.length >= 3 && norm.endsWith(s)) {
        out = norm.slice(0, -s.length);
        if (language === 'en' && (s === 'ies' || s === 'ied')) out += 'y';
        break;
      }
    }
  }
  if (c.size > 50_000) c.clear();
  c.set(norm, out);
  return out;
}
