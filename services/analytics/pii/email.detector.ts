import { parseNumberAt } from '../matching/numbers.ts';
import type { Language } from '../matching/transcript.types.ts';
import { wordTable } from '../text/word-table.ts';

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

function localPart(
  norms: readonly string[],
  at: number,
  language: Language,
): { start: number; value: string } | undefined {
  let i = at - 1;
  const parts: string[] = [];
  let words = 0;
  while (i >= 0 && words < 7) {
    const w = norms[i]!;
    if (LEFT_STOP[language].has(w) || AT[language].has(w)) break;
    if (w === 'bajo' && norms[i - 1] === 'guion') {
      parts.unshift('_');
      i -= 2;
      continue;
    }
    parts.unshift(SYMBOLS[w] ?? w);
    words++;
    i--;
  }
  if (parts.length === 0 || parts[0] === '.' || parts[0] === '-') return undefined;
  // spoken numbers inside an address ("ana sofia noventa") become digits
  const value = parts
    .map((p, k) => {
      const n = parseNumberAt(parts, k, language);
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
