import type { Lang } from './types.ts';

/**
 * A sound key: words that ASR (or a hurried typist) writes differently but that sound the same get the same key.
 * Spanish: b/v, s/z/soft c, hard c/qu/k, x/ks, ll/y, soft g/j, silent h, doubled letters ("boy" = "voy", "yamar" =
 * "llamar", "alcansa" = "alcanza", "ora" = "hora", "agradesco" = "agradezco", "exelente" = "excelente"). English
 * keys only collapse doubled letters: its spelling-to-sound rules are too irregular for a small rule set to help.
 * Input is a folded lower-case word (foldLower). The one phonetic key of Escucha's analytics: the phrase matcher
 * (services/analytics/matching) and the sentiment lexicon both match with it.
 */
export function soundKey(norm: string, lang: Lang): string {
  const cache = keyCache[lang];
  const known = cache.get(norm);
  if (known !== undefined) return known;
  const key = lang === 'es' ? spanishKey(norm) : collapseDoubles(norm);
  if (cache.size >= KEY_CACHE_LIMIT) cache.clear();
  cache.set(norm, key);
  return key;
}

/** Keys of words seen lately, per language (a call repeats most of its words). */
const keyCache: Record<Lang, Map<string, string>> = { es: new Map(), en: new Map() };
const KEY_CACHE_LIMIT = 100_000;

const FRONT_VOWEL = new Set(['e', 'i']);
const VOWEL = new Set(['a', 'e', 'i', 'o', 'u']);

function spanishKey(word: string): string {
  let out = '';
  for (let i = 0; i < word.length; i++) {
    const ch = word[i]!;
    const next = word[i + 1];
    let sound: string;
    switch (ch) {
      case 'c':
        if (next === 'h') {
          sound = 'x';
          i++;
        } else sound = next !== undefined && FRONT_VOWEL.has(next) ? 's' : 'k';
        break;
      case 'q':
        sound = 'k';
        if (next === 'u') i++;
        break;
      case 'g':
        if (next === 'u' && word[i + 2] !== undefined && FRONT_VOWEL.has(word[i + 2]!)) {
          sound = 'g';
          i++;
        } else sound = next !== undefined && FRONT_VOWEL.has(next) ? 'j' : 'g';
        break;
      case 'z':
        sound = 's';
        break;
      case 'x':
        sound = 'ks';
        break;
      case 'v':
      case 'w':
        sound = 'b';
        break;
      case 'h':
        sound = '';
        break;
      case 'l':
        if (next === 'l') {
          sound = 'y';
          i++;
        } else sound = 'l';
        break;
      case 'y':
        sound = next !== undefined && VOWEL.has(next) ? 'y' : 'i';
        break;
      default:
        sound = ch;
    }
    if (sound.length > 0 && !out.endsWith(sound)) out += sound;
  }
  return out;
}

function collapseDoubles(word: string): string {
  let out = '';
  for (let i = 0; i < word.length; i++) {
    if (word[i] !== word[i - 1]) out += word[i];
  }
  return out;
}
