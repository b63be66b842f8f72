import type { Lang } from './types.ts';
import { wordSet } from './words.ts';

/**
 * Hesitations and fillers that ASR writes out. Sounds ("eh", "mmm", "um", "uh") are always fillers. Words that are
 * also real words are fillers only in context: Spanish "este" ("este... no sé") and English "like" ("it was like um").
 */

/**
 * eh, ehh, em, emm, mm, mmm, hm, hmm, ah, ahh, uh, uhh, um, umm, er, erm, uhm, mhm (any length of the letters); a lone
 * "m" is the letter ("…, tres, M": a NIE's last letter), a hum is written "mm" at least.
 */
const SOUND_FILLER = /^(?:e+h+|e+m+|mm+|h+m+|a+h+|u+h+|u+m+|e+r+m*|u+h+m+|m+h+m+)$/;

/** Words after which Spanish "este" is a hesitation rather than the demonstrative ("este mes"). */
const ES_ESTE_FILLER_NEXT = wordSet(
  'pues yo no si la el lo le les me que bueno o como ya usted nosotros pero y a mi mire ahorita este digamos ella ellos su en de con cuando',
);

export function isSoundFiller(norm: string): boolean {
  return SOUND_FILLER.test(norm);
}

/**
 * Whether the word at `index` of `norms` (folded, lower case) is a filler, given its neighbours.
 * `prevFiller` says whether the previous token was already judged a filler.
 */
export function isFillerAt(
  norms: readonly string[],
  index: number,
  lang: Lang,
  prevFiller: boolean,
): boolean {
  const word = norms[index];
  if (word === undefined) return false;
  if (isSoundFiller(word)) return true;
  const next = norms[index + 1];
  if (lang === 'es' && word === 'este') {
    if (next === undefined || prevFiller) return true;
    return ES_ESTE_FILLER_NEXT.has(next) || isSoundFiller(next);
  }
  if (lang === 'en' && word === 'like') {
    return prevFiller || (next !== undefined && isSoundFiller(next));
  }
  return false;
}

/** Discourse markers that open a turn or a clause without meaning what the word says ("bueno", "well"). */
export const DISCOURSE_MARKERS: Record<Lang, ReadonlySet<string>> = {
  es: wordSet('bueno pues entonces osea digamos mire oiga vale bien ok okay listo'),
  en: wordSet('well so ok okay alright anyway look listen now'),
};
