import { foldLower } from './fold.ts';
import type { Boundary, Lang, Token } from './types.ts';
import { wordSet } from './words.ts';

/**
 * Word tokenizer for transcripts. Keeps offsets into the original text, records the punctuation between words
 * (sentence and clause breaks, questions), keeps numbers such as "3.400" or "10:30" whole, and expands English
 * contractions ("can't" → can not, "I'm" → i am, also the apostrophe-less ASR forms "cant", "dont", "im") and Spanish
 * negations that ASR glues to the verb ("nopuedo" → no puedo, "nose" → no se), so that matchers see one form.
 */

const WORD = /\p{N}+(?:[.,:]\p{N}+)*|[\p{L}\p{M}]+(?:['’‘ʼ][\p{L}\p{M}]+)*/gu;
const SENTENCE_BREAK = /[.!?;…\n¿¡]/;
const CLAUSE_BREAK = /[,:()"«»“”—–]|\s-\s/;
const COMBINING = /\p{M}/u;

/** Abbreviations whose trailing dot does not end a sentence. */
const ABBREVIATIONS: Record<Lang, ReadonlySet<string>> = {
  es: wordSet('sr sra srta dr dra lic ing ud uds no num av ej etc'),
  en: wordSet('mr mrs ms dr st jr sr no vs etc inc co jan feb aug dept'),
};

/** Apostrophe-less contractions as ASR writes them: "cant" → can not. Maps, not objects: no prototype keys. */
const EN_EXPANSIONS: ReadonlyMap<string, readonly string[]> = new Map(
  `
  cant=can+not cannot=can+not dont=do+not doesnt=does+not didnt=did+not isnt=is+not arent=are+not
  wasnt=was+not werent=were+not havent=have+not hasnt=has+not hadnt=had+not couldnt=could+not
  wouldnt=would+not shouldnt=should+not wont=will+not aint=is+not im=i+am youre=you+are
  theyre=they+are thats=that+is whats=what+is ive=i+have gonna=going+to wanna=want+to gotta=got+to
  `
    .trim()
    .split(/\s+/)
    .map((pair) => {
      const [word, parts] = pair.split('=') as [string, string];
      return [word, parts.split('+')] as const;
    }),
);

const EN_NOT_BASES: ReadonlyMap<string, string> = new Map([
  ['ca', 'can'],
  ['wo', 'will'],
  ['ai', 'is'],
  ['sha', 'shall'],
]);
const EN_S_IS = wordSet('it that what there he she who here where how everything');
const EN_SUFFIXES: ReadonlyMap<string, string> = new Map([
  ['re', 'are'],
  ['ve', 'have'],
  ['ll', 'will'],
  ['m', 'am'],
  ['d', 'would'],
]);

/** Words that follow a negation glued onto them by ASR ("nopuedo", "nohay", "nose"). */
const ES_GLUED_AFTER_NO = wordSet(
  'puedo podemos pude podia tengo tenemos tuve quiero queremos estoy estamos voy vamos hay he hemos se me le les lo es era fue sirve alcanza pienso pago debo creo entiendo recuerdo acepto tiene puede quiere sabia conozco estaba',
);

function expand(norm: string, lang: Lang): readonly string[] | undefined {
  if (lang === 'es') {
    if (norm.length > 3 && norm.startsWith('no') && ES_GLUED_AFTER_NO.has(norm.slice(2)))
      return ['no', norm.slice(2)];
    return undefined;
  }
  const plain = EN_EXPANSIONS.get(norm);
  if (plain) return plain;
  const apostrophe = norm.indexOf("'");
  if (apostrophe < 0) return undefined;
  const base = norm.slice(0, apostrophe);
  const suffix = norm.slice(apostrophe + 1);
  if (suffix === 't' && base.endsWith('n')) {
    const verb = base.slice(0, -1);
    return [EN_NOT_BASES.get(verb) ?? verb, 'not'];
  }
  if (suffix === 's') return EN_S_IS.has(base) ? [base, 'is'] : [base];
  const long = EN_SUFFIXES.get(suffix);
  if (long) return [base, long];
  return [norm.replace(/'/g, '')];
}

function normOf(word: string): string {
  if (!COMBINING.test(word)) return foldLower(word);
  return foldLower(word.normalize('NFC')).replace(/\p{M}/gu, '');
}

/** A token as the tokenizer builds it; normalize() fills in the noise flags in place. */
export interface MutableToken {
  text: string;
  norm: string;
  start: number;
  end: number;
  boundary: Boundary;
  question: boolean;
  filler: boolean;
  repeat: boolean;
}

function token(
  text: string,
  norm: string,
  start: number,
  boundary: Boundary,
  question: boolean,
): MutableToken {
  return { text, norm, start, end: start + text.length, boundary, question, filler: false, repeat: false };
}

/** Splits text into word tokens; see the module comment. Empty or punctuation-only text gives []. */
export function tokenize(text: string, lang: Lang): Token[] {
  return tokenizeMutable(text, lang);
}

/** tokenize, returning tokens that normalize() may flag in place (same objects, no copies). */
export function tokenizeMutable(text: string, lang: Lang): MutableToken[] {
  const out: MutableToken[] = [];
  let prevEnd = 0;
  let prev: MutableToken | undefined;
  WORD.lastIndex = 0;
  for (let m = WORD.exec(text); m !== null; m = WORD.exec(text)) {
    const word = m[0];
    const start = m.index;
    const gap = start - prevEnd === 1 && text[prevEnd] === ' ' ? ' ' : text.slice(prevEnd, start);
    let boundary: Boundary = prev === undefined ? 'sentence' : 'none';
    let question = false;
    if (gap !== ' ' && gap.length > 0 && prev !== undefined) {
      if (SENTENCE_BREAK.test(gap)) {
        const abbreviationDot =
          gap.trimEnd() === '.' && ABBREVIATIONS[lang].has(prev.norm) && /^\p{Lu}/u.test(word) === true;
        boundary = abbreviationDot ? 'none' : 'sentence';
      } else if (CLAUSE_BREAK.test(gap)) boundary = 'clause';
      if (gap.includes('?')) prev.question = true;
    }
    if (gap !== ' ' && gap.includes('¿')) question = true;
    const norm = normOf(word);
    const parts = expand(norm, lang);
    if (parts === undefined) {
      prev = token(word, norm, start, boundary, question);
      out.push(prev);
    } else {
      for (let i = 0; i < parts.length; i++) {
        prev = token(word, parts[i]!, start, i === 0 ? boundary : 'none', question);
        out.push(prev);
      }
    }
    prevEnd = start + word.length;
  }
  if (prev !== undefined && text.slice(prevEnd).includes('?')) prev.question = true;
  return out;
}
