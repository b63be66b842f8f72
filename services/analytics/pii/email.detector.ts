import { parseNumberAt } from '../matching/numbers.ts';
import type { Language } from '../matching/transcript.types.ts';
import { wordTable } from '../text/word-table.ts';
import { SPELLED_LETTERS } from './spelled-letters.ts';

/**
 * E-mail addresses, written ("juan.perez@gmail.com") or spoken as an ASR writes them ("juan punto perez arroba
 * gmail punto com", "mike underscore jones at outlook dot com").
 */

const WRITTEN = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+/gu;

export function findWrittenEmails(
  text: string,
): { type: 'EMAIL'; start: number; end: number; value: string }[] {
  const out: { type: 'EMAIL'; start: number; end: number; value: string }[] = [];
  if (!text.includes('@')) return out;
  for (const m of text.matchAll(WRITTEN)) {
    out.push({ type: 'EMAIL', start: m.index, end: m.index + m[0].length, value: m[0].toLowerCase() });
  }
  return out;
}

const AT: Record<Language, Set<string>> = { es: new Set(['arroba']), en: new Set(['at']) };
const DOT: Record<Language, Set<string>> = { es: new Set(['punto']), en: new Set(['dot']) };
const TLDS = new Set([
  'com',
  'net',
  'org',
  'co',
  'es',
  'mx',
  'edu',
  'gov',
  'io',
  'info',
  'us',
  'uk',
  'ar',
  'cl',
  'pe',
  'biz',
  'ec',
  've',
  'br',
  'eu',
  'me',
]);
/** Words that end the local part when walking left from "arroba"/"at". */
const LEFT_STOP: Record<Language, Set<string>> = {
  es: new Set(
    'es a al mi el su correo email mail electronico e mandelo mandemelo escribame enviemelo que de del para por con mandar enviar envie lo la le me sea seria'.split(
      ' ',
    ),
  ),
  en: new Set(
    'is at to my me the email mail address send write down it its it s e your our work personal reach is it or and'.split(
      ' ',
    ),
  ),
};
const SYMBOLS = wordTable<string>({
  punto: '.',
  dot: '.',
  guion: '-',
  dash: '-',
  hyphen: '-',
  underscore: '_',
});

/** The letter a token spells ("m", or a Spanish letter's name: "pe", "erre"), if any. */
function spelledLetter(norm: string | undefined, language: Language): string | undefined {
  if (norm === undefined) return undefined;
  if (/^[a-z]$/.test(norm)) return norm;
  return language === 'es' ? SPELLED_LETTERS[norm] : undefined;
}

/**
 * The local part, walking left from "arroba"/"at": up to 7 words, and any letters spelled among them ("m-a-r-c-u-s dot
 * webb", "pe, erre, u, i…"), which count as none. A letter that is also a word that ends the local part ("es", "it's")
 * is taken only inside a spelled run (a spelled letter before it, or the turn's start before a spelled letter).
 */
function localPart(
  norms: readonly string[],
  at: number,
  language: Language,
): { start: number; value: string } | undefined {
  const letterAt = (k: number) => (k >= 0 && k < at ? spelledLetter(norms[k], language) : undefined);
  let i = at - 1;
  const parts: { text: string; letter: boolean }[] = [];
  let words = 0;
  while (i >= 0 && words < 7 && parts.length < 48) {
    const w = norms[i]!;
    if (AT[language].has(w)) break;
    const inRun = letterAt(i - 1) !== undefined || (i === 0 && letterAt(i + 1) !== undefined);
    const letter = letterAt(i);
    const spelled = letter !== undefined && (w.length === 1 || inRun || letterAt(i + 1) !== undefined);
    if (LEFT_STOP[language].has(w) && !(spelled && inRun)) break;
    if (w === 'bajo' && norms[i - 1] === 'guion') {
      parts.unshift({ text: '_', letter: false });
      i -= 2;
      words++;
      continue;
    }
    parts.unshift(spelled ? { text: letter, letter: true } : { text: SYMBOLS[w] ?? w, letter: false });
    if (!spelled) words++;
    i--;
  }
  if (parts.length === 0 || parts[0]!.text === '.' || parts[0]!.text === '-') return undefined;
  // a word spelled right after it is said ("ramirez, r-a-m-i-r-e-z") is that word once
  const joined: string[] = [];
  for (let k = 0; k < parts.length;) {
    if (!parts[k]!.letter) {
      joined.push(parts[k++]!.text);
      continue;
    }
    let run = '';
    while (k < parts.length && parts[k]!.letter) run += parts[k++]!.text;
    if (joined.at(-1) !== run) joined.push(run);
  }
  // spoken numbers inside an address ("ana sofia noventa") become digits
  const value = joined
    .map((p, k) => {
      const n = parseNumberAt(joined, k, language);
      return n && n.end === k + 1 && p.length > 1 ? String(n.value) : p;
    })
    .join('');
  return { start: i + 1, value };
}

/** Top-level domains of a domain written as text after a spoken "arroba" ("arroba gmail.com"). */
const WRITTEN_TLDS = new Set(['com', 'net', 'org', 'es', 'mx', 'co', 'edu']);

export function findSpokenEmails(
  norms: readonly string[],
  language: Language,
): { start: number; end: number; value: string }[] {
  const out: { start: number; end: number; value: string }[] = [];
  for (let i = 0; i < norms.length; i++) {
    if (!AT[language].has(norms[i]!)) continue;
    // domain: 1–3 words, then one or more (dot tld|dot word) groups ending in a known top-level domain
    let j = i + 1;
    const domain: string[] = [];
    while (j < norms.length && domain.length < 3 && !DOT[language].has(norms[j]!)) domain.push(norms[j++]!);
    // a domain written as text ("arroba gmail.com": the tokens gmail, com) with no spoken dot
    const tld = domain.length >= 2 && WRITTEN_TLDS.has(domain[1]!) ? 1 : -1;
    if (tld > 0 && domain[0] !== 'www' && (j >= norms.length || !DOT[language].has(norms[j]!))) {
      const local = localPart(norms, i, language);
      if (local) {
        const end = i + 1 + tld + 1;
        out.push({
          start: local.start,
          end,
          value: `${local.value}@${domain.slice(0, tld).join('')}.${domain[tld]}`,
        });
        i = end - 1;
        continue;
      }
    }
    if (domain.length === 0 || domain[0] === 'www' || j >= norms.length) continue;
    let end = -1;
    const suffix: string[] = [];
    while (j + 1 < norms.length && DOT[language].has(norms[j]!)) {
      const part = norms[j + 1]!;
      suffix.push(part);
      j += 2;
      if (TLDS.has(part)) end = j;
    }
    if (end < 0) continue;
    const local = localPart(norms, i, language);
    if (!local) continue;
    const host = domain.join('') + '.' + suffix.slice(0, suffix.length).join('.');
    out.push({ start: local.start, end, value: `${local.value}@${host}` });
    i = end - 1;
  }
  return out;
}
