import { parseNumberAt } from '../matching/numbers.ts';
import type { PreparedTranscript, Stream, Token } from '../matching/prepared-transcript.ts';
import type { Language, SegmentParty, TranscriptSegment } from '../matching/transcript.types.ts';
import { CORRECTING, findDigitRuns, type DigitRun } from './digit-runs.ts';
import { findSpokenEmails, findWrittenEmails } from './email.detector.ts';
import { CURP_RE, RFC_RE, curpValid, dniValid, luhnValid, rfcValid, ssnPlausible } from './pii.checks.ts';
import { contextsBefore, mangledContextsBefore, type ContextId } from './pii.context.ts';
import { letterOf, SPELLED_LETTERS } from './spelled-letters.ts';
import { MONTHS } from '../text/months.ts';
import { wordTable } from '../text/word-table.ts';

/**
 * Sensitive data in a transcript: payment cards (Luhn, or said as a card), security codes and expiry dates in
 * context, Spanish DNI/NIE (check letter), Colombian cédula (in context), Mexican CURP/RFC (pattern), US SSN,
 * e-mail addresses (written or spoken: "arroba", "punto com", "at gmail dot com") and phone numbers (in context).
 *
 * Each span carries character offsets in its segment and a time range: word times when the recognizer gave them,
 * otherwise a proportional estimate (the span's character offsets over the segment's duration — speech rate is
 * roughly even within one ASR segment). A value read across two segments yields one span per segment.
 */

export const PII_TYPES = [
  'CARD',
  'CVV',
  'EXPIRY',
  'DNI',
  'CEDULA',
  'CURP',
  'RFC',
  'SSN',
  'EMAIL',
  'PHONE',
] as const;
export type PiiType = (typeof PII_TYPES)[number];

export interface PiiSpan {
  type: PiiType;
  segmentIndex: number;
  party: SegmentParty;
  channel: number | null;
  /** Character offsets in the segment text. */
  start: number;
  end: number;
  text: string;
  startMs: number;
  endMs: number;
  /** Normalised value (digits, address); kept in memory only, never stored by the pipeline. */
  value: string;
}

const EXPIRY_MONTHS = wordTable<number>({ ...MONTHS.es, ...MONTHS.en });

/** Spans of one stream token range, one per segment it crosses. */
export function spansForTokens(
  prepared: PreparedTranscript,
  tokens: readonly Token[],
  from: number,
  to: number,
  type: PiiType,
  value: string,
): PiiSpan[] {
  const out: PiiSpan[] = [];
  let i = from;
  while (i < to) {
    const seg = tokens[i]!.segmentIndex;
    let j = i;
    while (j + 1 < to && tokens[j + 1]!.segmentIndex === seg) j++;
    const a = tokens[i]!;
    const b = tokens[j]!;
    const segment = prepared.segments[seg]!;
    out.push({
      type,
      segmentIndex: seg,
      party: segment.party,
      channel: segment.channel,
      start: a.start,
      end: b.end,
      text: segment.text.slice(a.start, b.end),
      startMs: a.startMs,
      endMs: b.endMs,
      value,
    });
    i = j + 1;
  }
  return out;
}

function has(ctx: { id: ContextId; distance: number }[], id: ContextId, within = 7): boolean {
  return ctx.some((c) => c.id === id && c.distance <= within);
}

/** The nearest of the positive contexts, unless a "not this" context (order, invoice…) is nearer. */
function nearest(ctx: { id: ContextId; distance: number }[], ids: ContextId[]): ContextId | undefined {
  for (const c of ctx) {
    if (c.id === 'notCard' || c.id === 'partial') return undefined;
    if (ids.includes(c.id)) return c.id;
  }
  return undefined;
}

/** Words after a number that make it money: an amount stays readable, whatever was asked before it. */
const MONEY_AFTER = new Set([
  'pesos',
  'peso',
  'pesitos',
  'dolares',
  'dolar',
  'euros',
  'euro',
  'mil',
  'millones',
  'millon',
  'lucas',
  'dollars',
  'dollar',
  'bucks',
  'thousand',
]);

/** A number said as money: a currency word after it, or a currency sign before it. */
/**
 * Verbs of owing and paying right before a number make it money ("y debo 1.200.000", "I owe 1,200"); never for a
 * card-length run, which stays a card whatever verb is before it.
 */
const MONEY_VERBS_BEFORE = new Set(['debo', 'debe', 'debemos', 'adeudo', 'adeuda', 'owe', 'owes', 'owed']);

/** Words that name money right before a number ("el saldo es …", "un pago de …"). */
const MONEY_NOUNS_BEFORE = new Set([
  'saldo',
  'salvo',
  'deuda',
  'pendiente',
  'monto',
  'importe',
  'cuota',
  'abono',
  'balance',
  'payment',
  'amount',
]);
/** Words between such a noun and its number ("el saldo exacto es de …", "the balance is …"). */
const LINKS = new Set(['es', 'de', 'son', 'exacto', 'total', 'actual', 'queda', 'is', 'of', 'was', 'now']);

/** Words between a verb of owing and the amount ("debo como…", "owe about…"). */
const APPROXIMATELY = new Set([
  'como',
  'unos',
  'unas',
  'alrededor',
  'aproximadamente',
  'casi',
  'mas',
  'about',
  'around',
  'like',
  'almost',
  'roughly',
  'de',
]);

/**
 * A number written glued to letters ("INC-4471829", "M4471093", "R-2025"): a reference code. Identity numbers
 * written with their letters (DNI, NIE, CURP) are found whole by their patterns.
 */
function isCode(prepared: PreparedTranscript, tokens: readonly Token[], run: DigitRun): boolean {
  const first = tokens[run.start]!;
  const text = prepared.segments[first.segmentIndex]!.text;
  return /\p{L}-?$/u.test(text.slice(Math.max(0, first.start - 2), first.start));
}

/** Scale words an amount is written with after digits ("250 mil", "1.5 millones", "3 thousand"). */
const SCALE_AFTER_DIGITS = new Set(['mil', 'millones', 'millon', 'thousand', 'million', 'k']);

function isMoney(prepared: PreparedTranscript, tokens: readonly Token[], run: DigitRun): boolean {
  if (MONEY_AFTER.has(tokens[run.end]?.norm ?? '')) return true;
  // digits and a scale word ("250 mil"): how an amount is written, never an identity or phone number
  for (let k = run.start; k + 1 < run.end; k++) {
    if (/^\d/.test(tokens[k]!.norm) && SCALE_AFTER_DIGITS.has(tokens[k + 1]!.norm)) return true;
  }
  // a round figure said with a scale word ("un millón doscientos mil"); an identity number read as a figure
  // ("dieciséis millones setecientos cuarenta y cinco mil trescientos dos") is never round
  if (run.digits.endsWith('000')) {
    for (let k = run.start; k < run.end; k++) if (SCALE_AFTER_DIGITS.has(tokens[k]!.norm)) return true;
  }
  if (run.digits.length < 13) {
    // "y debo 1.200.000", "y yo debo como 1.800.000", "I owe about 1,200", "el saldo exacto es 953.400", "le queda
    // pendiente 165 mil"
    for (let k = run.start - 1; k >= Math.max(0, run.start - 4); k--) {
      const w = tokens[k]!.norm;
      if (MONEY_VERBS_BEFORE.has(w) || MONEY_NOUNS_BEFORE.has(w)) return true;
      if (!APPROXIMATELY.has(w) && !LINKS.has(w)) break;
    }
  }
  const first = tokens[run.start]!;
  const text = prepared.segments[first.segmentIndex]!.text;
  return /[$€]\s*$/.test(text.slice(Math.max(0, first.start - 2), first.start));
}

/**
 * A read-back of a value said with a self-correction ("cuatro cuatro… no, perdón, cuatro ocho" kept whole, read back
 * as "315 482 7019"): the value with a few digits left out.
 */
function readBackOf(digits: string, known: ReadonlyMap<string, PiiType>): PiiType | undefined {
  for (const [value, type] of known) {
    const extra = value.length - digits.length;
    if (extra < 1 || extra > 3) continue;
    let k = 0;
    for (let i = 0; i < value.length && k < digits.length; i++) if (value[i] === digits[k]) k++;
    if (k === digits.length) return type;
  }
  return undefined;
}

/** The shortest piece of a sensitive number said again on its own ("¿Treinta, cincuenta y uno…?"). */
const PIECE_MIN_DIGITS = 4;
/** How far from the number a piece of it may be said again. */
const PIECE_WINDOW_MS = 45_000;

/**
 * A piece of a sensitive number said again near it, read in pieces as such a number is (digits, pairs), by either
 * party: the listener repeating the start ("¿Treinta, cincuenta y uno…?" after "30517964T"), the reader going on from
 * there ("Siete nueve seis cuatro, te"), an echo after a repair ("Five four four zero" after "five four four oh. Oh as
 * in zero"). An amount is said as one number ("cuatrocientos ochenta"), never in such pieces.
 */
function pieceOf(digits: string, atMs: number, spans: readonly PiiSpan[]): PiiType | undefined {
  for (const s of spans) {
    if (Math.abs(s.startMs - atMs) > PIECE_WINDOW_MS) continue;
    const value = s.value.replace(/\D/g, '');
    if (value.length >= 8 && value.length > digits.length && value.includes(digits)) return s.type;
  }
  return undefined;
}

/** The shortest number matched as a read-back of a sensitive value found elsewhere in the call. */
const READ_BACK_MIN_DIGITS = 6;

/** Verbs of sending in a question about a number ("¿a qué número le mando…?", "where can I text…"). */
const QUESTION_SEND_VERBS = new Set(['mando', 'envio', 'mandamos', 'enviamos', 'send', 'text']);

/** How far into an answer a number may start and still answer the question before it. */
const ANSWER_WINDOW = 8;
/** The same for a three- or four-digit answer (a security code, an expiry date): it must open the reply. */
const SHORT_ANSWER_WINDOW = 2;

/**
 * A number of six digits or more read digit by digit (a few pairs allowed: "doble tres", "cuarenta y cinco"): how an
 * identity, card or phone number is given, never an amount of money. It answers the question before the reply
 * wherever in the reply it comes ("Just the last four? It's 8172. Actually, take the whole thing… 5, 0, 9, 3, …").
 */
function readOneByOne(run: DigitRun): boolean {
  return run.digits.length >= 6 && run.pieces * 10 >= run.digits.length * 7;
}

/** Whether a run `offset` words into its reply may answer the question before the reply. */
function answersQuestion(run: DigitRun, offset: number): boolean {
  return run.digits.length >= 6
    ? offset <= ANSWER_WINDOW || readOneByOne(run)
    : offset <= SHORT_ANSWER_WINDOW;
}
/** Words right after a number that say it is a phone ("…, es mi celular", "that's her cell phone"). */
const PHONE_AFTER: Record<Language, Set<string>> = {
  es: new Set(['celular', 'telefono', 'movil', 'whatsapp', 'fijo']),
  en: new Set(['cell', 'phone', 'mobile', 'cellphone', 'landline']),
};
/** Words between a number and the phone word after it ("es mi celular", "that's her cell"). */
const LINK_AFTER = new Set([
  'es',
  'mi',
  'su',
  'el',
  'ese',
  'that',
  'thats',
  's',
  'is',
  'its',
  'it',
  'my',
  'her',
  'his',
]);

function phoneWordAfter(norms: readonly string[], end: number, language: Language): boolean {
  for (let k = end; k < Math.min(norms.length, end + 4); k++) {
    if (PHONE_AFTER[language].has(norms[k]!)) return true;
    if (!LINK_AFTER.has(norms[k]!)) return false;
  }
  return false;
}

/** One-letter words that join a sentence ("31.456.209 y debo…", "… o sea"): a letter only at the end of the number's turn. */
const CONJUNCTION_LETTERS = new Set(['y', 'e', 'o', 'u', 'a']);

/** The type a sensitive context names, for a number that is not whole yet (see DetectPiiOptions.unfinished). */
const CONTEXT_TYPE: Partial<Record<ContextId, PiiType>> = {
  card: 'CARD',
  cvv: 'CVV',
  expiry: 'EXPIRY',
  cedula: 'CEDULA',
  dni: 'DNI',
  phone: 'PHONE',
  ssn: 'SSN',
};

function classifyRun(
  run: DigitRun,
  norms: readonly string[],
  language: Language,
  asked: readonly string[],
  unfinished: boolean,
  /** How many words into its reply (after the other party last spoke) the run starts. */
  offset: number,
): { type: PiiType; start?: number; end?: number } | undefined {
  const d = run.digits;
  let question = asked;
  let ctx = contextsBefore(norms, run.start, language);
  // identity and phone numbers are 6 digits or more: only those are worth the slower looks below
  const long = d.length >= 6;
  if (ctx.length === 0 && long) ctx = mangledContextsBefore(norms, run.start, language);
  // "¿me confirma su número de cédula?" — "sí, es el 1 020 …": the other party's question says what it is
  // a short answer right at the start of a reply ("¿Fecha de vencimiento?" — "cero ocho veintiocho") answers too
  const answers = answersQuestion(run, offset);
  if (ctx.length === 0 && answers && question.length > 0) {
    // "¿a qué número le mando la referencia?": what is sent to the number says nothing about it
    const send = question.findIndex((w, i) => i > 0 && QUESTION_SEND_VERBS.has(w));
    if (send > 0) question = question.slice(0, send);
    ctx = contextsBefore(question, question.length, language, 14).map((c) => ({ ...c, distance: 0 }));
    if (ctx.length === 0)
      ctx = mangledContextsBefore(question, question.length, language, 14).map((c) => ({
        ...c,
        distance: 0,
      }));
    // only the security code and the expiry date are that short
    if (!long) ctx = ctx.filter((c) => c.id === 'cvv' || c.id === 'expiry');
  }
  // "55 3412 8890, es mi celular", "614 555 0139, that's her cell phone": the words after say it
  if (ctx.length === 0 && d.length >= 7 && d.length <= 15 && phoneWordAfter(norms, run.end, language)) {
    ctx = [{ id: 'phone', distance: 0 }];
  }
  const len = d.length;
  const kind = nearest(ctx, ['card', 'cvv', 'expiry', 'cedula', 'dni', 'phone', 'ssn']);
  if (len >= 13 && len <= 19) {
    if (
      kind === 'card' ||
      ((kind === undefined || kind === 'phone') && luhnValid(d) && !has(ctx, 'notCard'))
    ) {
      return { type: 'CARD' };
    }
    if (luhnValid(d) && kind !== 'cedula' && !has(ctx, 'notCard') && !has(ctx, 'partial'))
      return { type: 'CARD' };
  }
  if (kind === 'cvv' && (len === 3 || len === 4)) return { type: 'CVV' };
  if (kind === 'expiry' && (len === 3 || len === 4 || len === 6)) {
    const month = Number(len === 3 ? d.slice(0, 1) : d.slice(0, 2));
    if (month >= 1 && month <= 12) return { type: 'EXPIRY' };
  }
  // a NIE read out: its letter, seven digits, its letter ("equis, cuatro ocho dos siete uno seis tres, ese")
  if (len === 7 && language === 'es') {
    // "i griega" is how Spain says the letter Y
    const before = norms[run.start - 1] ?? '';
    const lead = before === 'griega' ? 'y' : (SPELLED_LETTERS[before] ?? before);
    const word = norms[run.end];
    const letter = word && (/^[a-z]$/.test(word) ? word : SPELLED_LETTERS[word]);
    if (lead && /^[xyz]$/.test(lead) && letter && dniValid(lead + d + letter))
      return { type: 'DNI', start: run.start - 1, end: run.end + 1 };
    // its letter still to come ("Equis cuatro cinco uno ocho dos cero tres. ¿Y la letra final?"): read digit by
    // digit after an x, y or z ("y" only where it opens the turn, not as "and")
    const opens = before !== 'y' || run.start === 1;
    if (lead && /^[xyz]$/.test(lead) && !letter && run.pieces === 7 && opens) {
      return { type: 'DNI', start: run.start - (before === 'griega' ? 2 : 1) };
    }
  }
  // DNI written as digits then its letter: "70123456 k", "… cuatro efe" (not a cédula's number followed by "y …")
  const conjunction = CONJUNCTION_LETTERS.has(norms[run.end] ?? '') && norms[run.end + 1] !== undefined;
  if (len === 8 && kind !== 'cedula' && !conjunction) {
    const word = norms[run.end];
    const letter =
      word && (/^[a-z]$/.test(word) ? word : language === 'es' ? SPELLED_LETTERS[word] : undefined);
    if (letter && dniValid(d + letter)) return { type: 'DNI', end: run.end + 1 };
  }
  if (kind === 'ssn' && len === 9) return { type: 'SSN' };
  // a DNI asked for and read out, its letter left off or not heard
  if (kind === 'dni' && len === 8) return { type: 'DNI' };
  if (kind === 'cedula' && len >= 6 && len <= 10) return { type: 'CEDULA' };
  if (kind === 'phone' && len >= 7 && len <= 15) return { type: 'PHONE' };
  // a card or social security number a recognizer heard with digits dropped or added ("my social is 12786,553",
  // "the card number is … 8-3-1-3-1-7-2"): said as one, it is one
  if (kind === 'card' && len >= 8 && len <= 21) return { type: 'CARD' };
  if (kind === 'ssn' && len >= 7 && len <= 11) return { type: 'SSN' };
  // a number its context calls sensitive, too short to be one yet: the rest may still be said
  if (unfinished && kind !== undefined && len >= 3) {
    const type = CONTEXT_TYPE[kind];
    if (type) return { type };
  }
  return undefined;
}

/** "vence marzo del veintiocho", "doce del veintisiete", "expires june twenty seven", "march twenty twenty six". */
function expiryWithWords(
  norms: readonly string[],
  language: Language,
  /** Whether the words from token i on open the answer to a question about the expiry date. */
  asked: (i: number) => boolean,
): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < norms.length; i++) {
    const w = norms[i]!;
    let monthEnd: number;
    if (w in EXPIRY_MONTHS) monthEnd = i + 1;
    else {
      const n = parseNumberAt(norms, i, language);
      if (!n || n.value < 1 || n.value > 12 || n.digits) continue;
      monthEnd = n.end;
    }
    // said after the words of an expiry, or as the first words of the answer to "¿fecha de vencimiento?"
    if (!has(contextsBefore(norms, i, language, 4), 'expiry', 4) && !asked(i)) continue;
    let k = monthEnd;
    const joined = norms[k] === 'del' || norms[k] === 'de' || norms[k] === 'of';
    if (joined) k++;
    if (!(w in EXPIRY_MONTHS) && !joined) continue; // "cero cinco veintiseis" is a digit run
    const first = parseNumberAt(norms, k, language);
    if (!first) continue;
    let end = first.end;
    if (first.value === 20 && language === 'en') {
      const second = parseNumberAt(norms, end, language);
      if (second && second.value < 100) end = second.end;
    }
    const v = first.value;
    if ((v >= 20 && v <= 99) || (v >= 2000 && v <= 2099)) {
      out.push([i, end]);
      i = end - 1;
    }
  }
  return out;
}

/** Written identifiers found by pattern in a segment's text. */
function writtenIds(
  segment: TranscriptSegment,
): { type: PiiType; start: number; end: number; value: string }[] {
  const out: { type: PiiType; start: number; end: number; value: string }[] = [];
  const text = segment.text;
  // every pattern below needs digits
  if (!/\d/.test(text)) return out;
  for (const m of text.matchAll(CURP_RE)) {
    if (curpValid(m[0]))
      out.push({ type: 'CURP', start: m.index, end: m.index + m[0].length, value: m[0].toUpperCase() });
  }
  // spelled out, a CURP has runs of single letters ("H-E-R-G", "M E O J"): only then is the slower look worth it
  if (out.length === 0 && SPELLED_LETTERS_RUN.test(text)) out.push(...spelledCurps(text));
  for (const m of text.matchAll(RFC_RE)) {
    if (rfcValid(m[0]) && !out.some((o) => o.start <= m.index && m.index < o.end)) {
      out.push({ type: 'RFC', start: m.index, end: m.index + m[0].length, value: m[0].toUpperCase() });
    }
  }
  for (const m of text.matchAll(/\b(\d{8})[\s-]?([a-z])\b|\b([xyz])[\s-]?(\d{7})[\s-]?([a-z])\b/gi)) {
    if (dniValid(m[0]))
      out.push({ type: 'DNI', start: m.index, end: m.index + m[0].length, value: m[0].toUpperCase() });
  }
  for (const m of text.matchAll(/\b(\d{3})[- ](\d{2})[- ](\d{4})\b/g)) {
    const digits = m[1]! + m[2]! + m[3]!;
    if (ssnPlausible(digits))
      out.push({ type: 'SSN', start: m.index, end: m.index + m[0].length, value: digits });
  }
  // phone shapes that need no context: +country code, (area) number, 614-555-0139 / 55-3412-8890 (or with spaces:
  // "614 555 0139", "55 2748 9913"), a Spanish mobile or landline in its 3-2-2-2 groups ("655 43 21 09"), a Mexican
  // number in its 3-3-2-2 groups ("477 214 09 88"); no amount is written in such groups
  for (const m of text.matchAll(
    /\+\d{1,3}[\s.-]?\d{2,4}[\s.-]?\d{3,4}[\s.-]?\d{3,4}\b|\(\d{3}\)\s?\d{3}[\s.-]?\d{4}\b|\b\d{3}([- ])\d{3}\1\d{4}\b|\b\d{2}([- ])\d{4}\2\d{4}\b|\b[6789]\d{2} \d{2} \d{2} \d{2}\b|\b\d{3} \d{3} \d{2} \d{2}\b/g,
  )) {
    out.push({
      type: 'PHONE',
      start: m.index,
      end: m.index + m[0].length,
      value: m[0].replace(/[^\d+]/g, ''),
    });
  }
  return out;
}

/** Three single letters in a row, as a spelled identifier has them. */
const SPELLED_LETTERS_RUN = /\b[A-Za-z][\s.,-]{1,2}[A-Za-z][\s.,-]{1,2}[A-Za-z]\b/;

/**
 * A CURP spelled out in written letters and digit groups ("H-E-R-G 780214 M-D-F-R-S-D 04", "M E O J 87 11 02 H N L N R
 * N 0 8"): the letters and digits with the separators taken out, checked as a CURP.
 */
function spelledCurps(text: string): { type: PiiType; start: number; end: number; value: string }[] {
  const out: { type: PiiType; start: number; end: number; value: string }[] = [];
  // stretches of letters and digits in short groups, joined by spaces, hyphens, dots or commas
  for (const m of text.matchAll(/[A-Za-z0-9](?:[\s.,-]{0,2}[A-Za-z0-9]){17,30}/g)) {
    const kept: number[] = [];
    for (let i = 0; i < m[0].length; i++) if (/[A-Za-z0-9]/.test(m[0][i]!)) kept.push(i);
    const compact = kept.map((i) => m[0][i]!).join('');
    for (let from = 0; from + 18 <= compact.length; from++) {
      const value = compact.slice(from, from + 18).toUpperCase();
      if (!curpValid(value)) continue;
      const start = m.index + kept[from]!;
      out.push({ type: 'CURP', start, end: m.index + kept[from + 17]! + 1, value });
      break;
    }
  }
  return out;
}

/** What a listener says while a number is read to them ("uh huh", "ajá", "okay", "go ahead", "take your time"). */
const BACKCHANNEL = new Set([
  'uh',
  'huh',
  'mm',
  'hmm',
  'mhm',
  'okay',
  'ok',
  'yes',
  'yeah',
  'right',
  'go',
  'ahead',
  'take',
  'your',
  'time',
  'got',
  'it',
  'aja',
  'si',
  'aha',
  'vale',
  'siga',
  'digame',
  'continue',
  'le',
  'escucho',
  'ajam',
  'mjm',
]);

/** Words a listener says around the digits they repeat back ("¿ocho, dos, siete?", "cuarenta y tres, ajá", "got it"). */
const ECHO_WORDS = new Set([
  ...BACKCHANNEL,
  // a listener asking for a piece again ("Sorry, you cut out after five four four", "¿después del tres uno dos?")
  'sorry',
  'you',
  'cut',
  'out',
  'after',
  'again',
  'perdon',
  'despues',
  'del',
  'se',
  'corto',
  // and for the letter still to come ("Siete uno uno cuatro, ¿y la letra?", "and the letter?")
  'la',
  'letra',
  'the',
  'letter',
  'eso',
  'correcto',
  'exacto',
  'perfecto',
  'listo',
  'anoto',
  'apunto',
  'sigo',
  'y',
  'so',
  'thats',
  'that',
  'correct',
  'perfect',
  'and',
  'then',
]);

/** A few words of back-channel only ("uh huh", "ajá, sí", "take your time"). */
function isBackchannel(words: readonly Token[]): boolean {
  return words.length > 0 && words.length <= 4 && words.every((t) => BACKCHANNEL.has(t.norm));
}

/** A segment with words, in time order: its index, its words (hesitations aside) and every token. */
interface Said {
  seg: TranscriptSegment;
  i: number;
  tokens: Token[];
  /** Hesitations included: a spelled "m" or "e" reads as one, so letters are looked for among every token. */
  all: Token[];
}

const IN_ORDER = new WeakMap<PreparedTranscript, Said[]>();

/** The segments that say something, in time order; once per transcript. */
function inOrder(prepared: PreparedTranscript): Said[] {
  let order = IN_ORDER.get(prepared);
  if (!order) {
    order = prepared.segments
      .map((seg, i) => ({
        seg,
        i,
        tokens: prepared.segmentTokens[i]!.filter((t) => !t.filler),
        all: prepared.segmentTokens[i]!,
      }))
      .filter((x) => x.tokens.length > 0)
      .sort((a, b) => a.seg.startMs - b.seg.startMs);
    IN_ORDER.set(prepared, order);
  }
  return order;
}

/** The digits of a segment's numbers, one string (for comparing an echo with what it repeats). */
function digitsOf(tokens: readonly Token[], language: Language): { digits: string; covered: number } {
  let digits = '';
  let covered = 0;
  for (const run of findDigitRuns(tokens, language)) {
    digits += run.digits;
    covered += run.end - run.start;
  }
  return { digits, covered };
}

/**
 * A listener repeating back the piece of a number just read to them ("Cuarenta y tres…" — "Cuarenta y tres." —
 * "Ocho veintisiete…" — "¿Ocho, dos, siete?"): a segment of digits and back-channel words only, whose digits are
 * the last digits the reader said.
 */
function isEcho(echo: readonly Token[], read: readonly Token[], language: Language): boolean {
  if (echo.length === 0 || echo.length > 12) return false;
  const heard = digitsOf(echo, language);
  if (heard.digits.length < 2) return false;
  // digits, back-channel words and letters (a NIE's "X, cuatro, ocho…", "Equis, siete siete dos…")
  const others = echo.filter(
    (t) =>
      ECHO_WORDS.has(t.norm) ||
      /^[a-z]$/.test(t.norm) ||
      (language === 'es' && SPELLED_LETTERS[t.norm] !== undefined),
  ).length;
  if (heard.covered + others < echo.length) return false;
  const said = digitsOf(read, language).digits;
  return said.endsWith(heard.digits);
}

/** Letter names that are also ordinary words ("y", "de", "ese"): letters only beside other spelled characters. */
const AMBIGUOUS_LETTERS = new Set(['a', 'e', 'i', 'o', 'u', 'y', 'de', 'ese', 'te', 'ce']);

/**
 * A Spanish identifier spelled out: letters (one-letter words, letter names, "eme de mamá" without its word of help)
 * and digits (as the digit runs read them) in order, each with the token it came from. An ambiguous letter ("y",
 * "de", "a") counts only beside another spelled character; any other word is passed over, and more than four of them
 * in a row end the stretch ("|").
 */
function spelledChars(tokens: readonly Token[]): { chars: string; tokenOf: number[] } {
  const runAt = new Map(findDigitRuns(tokens, 'es').map((r) => [r.start, r]));
  const spelled = (k: number) => {
    const t = tokens[k];
    if (!t) return false;
    return runAt.has(k) || (letterOf(t.norm) !== undefined && !AMBIGUOUS_LETTERS.has(t.norm));
  };
  let chars = '';
  const tokenOf: number[] = [];
  let gap = 0;
  const push = (c: string, from: number, to: number) => {
    if (gap > 4 && chars.length > 0) {
      chars += '|';
      tokenOf.push(from);
    }
    gap = 0;
    for (let x = 0; x < c.length; x++) {
      chars += c[x];
      tokenOf.push(x === c.length - 1 ? to : from);
    }
  };
  let k = 0;
  while (k < tokens.length) {
    const run = runAt.get(k);
    if (run) {
      push(run.digits, k, run.end - 1);
      k = run.end;
      continue;
    }
    const w = tokens[k]!.norm;
    const letter = letterOf(w);
    if (letter && (!AMBIGUOUS_LETTERS.has(w) || spelled(k - 1) || spelled(k + 1))) {
      push(letter, k, k);
      // "eme de mamá": the word that helps spell the letter is no part of it
      if (tokens[k + 1]?.norm === 'de' && tokens[k + 2]?.norm.startsWith(letter)) k += 2;
      k++;
      continue;
    }
    gap++;
    k++;
  }
  return { chars, tokenOf };
}

/**
 * A listener repeating back letters just spelled to them ("H D F M R L…" — "¿Eme, erre, ele?"): a Spanish segment of
 * letters and back-channel words only, whose letters are the last ones spelled.
 */
function isLetterEcho(echo: readonly Token[], read: readonly Token[]): boolean {
  if (echo.length === 0 || echo.length > 12) return false;
  if (!echo.every((t) => letterOf(t.norm) !== undefined || ECHO_WORDS.has(t.norm))) return false;
  const heard = spelledChars(echo).chars;
  if (heard.length < 2 || /[^a-z]/.test(heard)) return false;
  return spelledChars(read).chars.endsWith(heard);
}

/** A stream's segments with every token, hesitations included (a spelled "m" reads as one). */
function withFillers(prepared: PreparedTranscript, tokens: readonly Token[]): Token[] {
  const out: Token[] = [];
  let last = -1;
  for (const t of tokens) {
    if (t.segmentIndex === last) continue;
    last = t.segmentIndex;
    out.push(...prepared.segmentTokens[t.segmentIndex]!);
  }
  return out;
}

/** A group of three to six characters said twice in a row (spelled, then confirmed), said once. */
function withoutRepeats(chars: string): number[] {
  const keep: number[] = [];
  let i = 0;
  while (i < chars.length) {
    let k = 6;
    while (k >= 3 && !(i + 2 * k <= chars.length && chars.slice(i, i + k) === chars.slice(i + k, i + 2 * k)))
      k--;
    if (k >= 3) i += k;
    else keep.push(i++);
  }
  return keep;
}

/**
 * A CURP spelled out over a Spanish stream (letters and digits one by one, perhaps over several turns, a group
 * confirmed twice): the token range and the value, checked as a CURP.
 */
function dictatedCurps(tokens: readonly Token[]): { start: number; end: number; value: string }[] {
  // a CURP has ten letters: spelled out, at least six of them are plain letters or letter names
  let letters = 0;
  for (const t of tokens) if (letterOf(t.norm) !== undefined && !AMBIGUOUS_LETTERS.has(t.norm)) letters++;
  if (letters < 6) return [];
  const { chars, tokenOf } = spelledChars(tokens);
  if (chars.length < 18) return [];
  const all = [...chars].map((_, i) => i);
  for (const keep of [all, withoutRepeats(chars)]) {
    const line = keep.map((i) => chars[i]).join('');
    for (let from = 0; from + 18 <= line.length; from++) {
      const value = line.slice(from, from + 18).toUpperCase();
      if (value.includes('|') || !curpValid(value)) continue;
      return [{ start: tokenOf[keep[from]!]!, end: tokenOf[keep[from + 17]!]! + 1, value }];
    }
  }
  return [];
}

/**
 * A listener repeating back the last words just read to them ("Sure. It's d marsh dot ortega…" — "D marsh dot
 * ortega…"): two to ten words, back-channel words around them aside, that end what the reader said.
 */
function isWordEcho(echo: readonly Token[], read: readonly Token[]): boolean {
  let a = 0;
  let b = echo.length;
  while (a < b && ECHO_WORDS.has(echo[a]!.norm)) a++;
  while (b > a && ECHO_WORDS.has(echo[b - 1]!.norm)) b--;
  const words = b - a;
  if (words < 2 || words > 10 || words > read.length) return false;
  for (let k = 0; k < words; k++) {
    if (echo[b - 1 - k]!.norm !== read[read.length - 1 - k]!.norm) return false;
  }
  return true;
}

/**
 * A party's streams joined across the other party's back-channels ("uh huh", "ajá") and echoes of what was just
 * read (see isEcho): the tokens of both, and where each joined stream began (`cuts`). A party's streams are
 * otherwise broken wherever the other speaks.
 */
function acrossBackchannels(
  prepared: PreparedTranscript,
): { stream: Stream; cuts: number[]; all: Token[] }[] {
  const language = prepared.language;
  const order = inOrder(prepared);
  const out: { stream: Stream; cuts: number[]; all: Token[] }[] = [];
  let k = 0;
  while (k < order.length) {
    const party = order[k]!.seg.party;
    const tokens = [...order[k]!.tokens];
    const all = [...order[k]!.all];
    const cuts: number[] = [];
    let j = k + 1;
    // this party, then only back-channels or echoes of the other (one or more), then this party again…
    for (;;) {
      let m = j;
      while (
        m < order.length &&
        order[m]!.seg.party !== party &&
        (isBackchannel(order[m]!.tokens) ||
          isEcho(order[m]!.tokens, order[j - 1]!.tokens, language) ||
          isWordEcho(order[m]!.tokens, order[j - 1]!.tokens) ||
          (language === 'es' && isLetterEcho(order[m]!.all, order[j - 1]!.all)))
      )
        m++;
      if (m === j || m >= order.length || order[m]!.seg.party !== party) break;
      cuts.push(tokens.length);
      tokens.push(...order[m]!.tokens);
      all.push(...order[m]!.all);
      j = m + 1;
    }
    if (cuts.length > 0) {
      out.push({ stream: { party, tokens, pairable: new Uint8Array(tokens.length) }, cuts, all });
      k = j;
    } else k++;
  }
  return out;
}

/**
 * The other party's echoes of a sensitive number's pieces ("Cuatro cinco cinco siete." after "Es una Visa. Cuatro
 * cinco cinco siete."): each is that number again, hidden as its type.
 */
function echoSpans(prepared: PreparedTranscript, found: readonly PiiSpan[]): PiiSpan[] {
  const language = prepared.language;
  const typeIn = new Map<number, PiiType>();
  for (const s of found)
    if (/^\d+$/.test(s.value) || s.type === 'CURP' || s.type === 'EMAIL') typeIn.set(s.segmentIndex, s.type);
  if (typeIn.size === 0) return [];
  const order = inOrder(prepared);
  const out: PiiSpan[] = [];
  for (let k = 1; k < order.length; k++) {
    const x = order[k]!;
    // the reader's last segment before this one
    let r = k - 1;
    while (r >= 0 && order[r]!.seg.party === x.seg.party) r--;
    if (r < 0) continue;
    const type = typeIn.get(order[r]!.i);
    if (type === undefined) continue;
    const tokens = prepared.segmentTokens[x.i]!;
    // a turn with a number of its own found can still open with the echo ("Eight seven seven six six. So that's 3782…")
    const ownFound = typeIn.has(x.i);
    // what the reader said last must be the sensitive number, not an amount after it ("… 5111. Y debo 95")
    const lastRead = (): boolean => {
      const read = order[r]!.tokens;
      const last = findDigitRuns(read, language).at(-1);
      if (!last) return false;
      const at = read[last.start]!.start;
      return found.some((f) => f.segmentIndex === order[r]!.i && f.start <= at && at < f.end);
    };
    const echo = !ownFound && type !== 'EMAIL' && isEcho(x.tokens, order[r]!.tokens, language);
    if (ownFound) {
      if (type === 'CURP' || type === 'EMAIL' || !lastRead()) continue;
      const first = findDigitRuns(tokens, language)[0];
      if (!first || first.start > 2 || first.digits.length < 2) continue;
      const at = tokens[first.start]!.start;
      if (found.some((f) => f.segmentIndex === x.i && f.start <= at && at < f.end)) continue;
      if (digitsOf(order[r]!.tokens, language).digits.endsWith(first.digits)) {
        out.push(...spansForTokens(prepared, tokens, first.start, first.end, type, first.digits));
      }
    } else if (type === 'EMAIL') {
      // the address's words repeated back
      if (isWordEcho(x.tokens, order[r]!.tokens)) {
        const words = x.tokens.filter((t) => !ECHO_WORDS.has(t.norm));
        const first = tokens.indexOf(words[0]!);
        const last = tokens.indexOf(words[words.length - 1]!);
        out.push(...spansForTokens(prepared, tokens, first, last + 1, type, ''));
      }
    } else if (echo && lastRead()) {
      for (const run of findDigitRuns(tokens, language)) {
        out.push(...spansForTokens(prepared, tokens, run.start, run.end, type, run.digits));
      }
    } else if (type !== 'CURP' && !echo && lastRead()) {
      // a turn that opens with the echo and goes on ("Noventa y cuatro, cincuenta y cinco. Le confirmo la tarjeta
      // completa: …", "Three three nine five. Thank you. The social on this account matches…")
      const first = findDigitRuns(tokens, language)[0];
      const said = digitsOf(order[r]!.tokens, language).digits;
      if (first && first.start <= 2 && first.digits.length >= 2 && said.endsWith(first.digits)) {
        out.push(...spansForTokens(prepared, tokens, first.start, first.end, type, first.digits));
      }
    } else if (language === 'es' && isLetterEcho(x.all, order[r]!.all)) {
      const { chars, tokenOf } = spelledChars(tokens);
      out.push(
        ...spansForTokens(prepared, tokens, tokenOf[0]!, tokenOf[tokenOf.length - 1]! + 1, type, chars),
      );
    }
  }
  return out;
}

/** Words around a DNI's letter said in a turn of its own ("la letra es ge", "ge de Granada"). */
const LETTER_TURN_WORDS = new Set(['la', 'letra', 'es', 'final', 'al', 'y', 'con', 'si', 'vale', 'eso']);
/** The longest turn read as a DNI's letter said on its own. */
const LETTER_TURN_TOKENS = 8;
/** How long after its number a DNI's letter may come. */
const LETTER_TURN_MS = 40_000;

/**
 * A DNI's or NIE's letter said in a turn of its own, after the number, asked for or not ("¿Y la letra?" — "Ge. Ge de
 * Granada."; "Siete uno uno cuatro, ¿y la letra?" — "Be de Barcelona"): the letter and its word of help are that
 * identity too. Taken only where someone says "letra" in that turn or the one before, within a short while of a DNI
 * the same party read.
 */
function dniLetterTurns(prepared: PreparedTranscript, found: readonly PiiSpan[]): PiiSpan[] {
  if (prepared.language !== 'es') return [];
  const dnis = found.filter((s) => s.type === 'DNI');
  if (dnis.length === 0) return [];
  const order = inOrder(prepared);
  const out: PiiSpan[] = [];
  for (let k = 1; k < order.length; k++) {
    const x = order[k]!;
    const tokens = x.all;
    if (tokens.length > LETTER_TURN_TOKENS) continue;
    const asked = (said: Said) => said.all.some((t) => t.norm === 'letra');
    if (!asked(x) && !(order[k - 1]!.seg.party !== x.seg.party && asked(order[k - 1]!))) continue;
    const start = x.seg.startMs;
    const read = dnis.some(
      (d) => d.party === x.seg.party && d.startMs < start && start - d.startMs <= LETTER_TURN_MS,
    );
    if (!read) continue;
    let first = -1;
    let last = -1;
    for (let j = 0; j < tokens.length; j++) {
      const norm = tokens[j]!.norm;
      const letter = letterOf(norm);
      // "de"/"como" and the word after it: the letter's word of help ("ge de Granada")
      if ((norm === 'de' || norm === 'como') && last === j - 1 && first >= 0 && j + 1 < tokens.length) {
        last = ++j;
      } else if (letter !== undefined && !(LETTER_TURN_WORDS.has(norm) && first < 0 && norm !== 'e')) {
        if (first < 0) first = j;
        last = j;
      } else if (!LETTER_TURN_WORDS.has(norm) && !ECHO_WORDS.has(norm)) {
        first = -1;
        break;
      }
    }
    if (first < 0) continue;
    out.push(...spansForTokens(prepared, tokens, first, last + 1, 'DNI', ''));
    // the listener's echo of the letter, opening their next turn whatever follows ("Zeta, correcto. Gracias. Mire…")
    const echo = order[k + 1];
    const said = tokens[first]!.norm;
    if (
      echo &&
      echo.seg.party !== x.seg.party &&
      echo.all[0] &&
      letterOf(echo.all[0].norm) === letterOf(said)
    ) {
      out.push(...spansForTokens(prepared, echo.all, 0, 1, 'DNI', ''));
    }
  }
  return out;
}

/** How far from a CURP a piece of it may be said again. */
const CURP_PIECE_MS = 60_000;
/** The shortest piece of a CURP taken as that CURP ("O I R G", "85 03 12"). */
const CURP_PIECE_CHARS = 4;

/**
 * Pieces of a CURP found in the call, spelled in the turns near it by either party ("O I R G…" — "O I R G…" — "85 03
 * 12…" before "Perfecto, OIRG850312MDFRMD09"): each is that CURP.
 */
function curpPieces(prepared: PreparedTranscript, found: readonly PiiSpan[]): PiiSpan[] {
  if (prepared.language !== 'es') return [];
  const curps = found.filter((f) => f.type === 'CURP' && f.value.length === 18);
  if (curps.length === 0) return [];
  const out: PiiSpan[] = [];
  for (const x of inOrder(prepared)) {
    const near = curps.filter((c) => Math.abs(c.startMs - x.seg.startMs) <= CURP_PIECE_MS);
    if (near.length === 0) continue;
    for (const piece of charStretches(x.all)) {
      const value = near.find((c) => c.value.toLowerCase().includes(piece.chars))?.value;
      if (piece.chars.length >= CURP_PIECE_CHARS && value) {
        out.push(...spansForTokens(prepared, x.all, piece.start, piece.end, 'CURP', value));
      }
    }
  }
  return out;
}

/**
 * Stretches of words that are each a letter ("o", "erre") or a number read as digits, with their characters: what
 * is compared with a known value, so no letter is taken for a word here ("o", "i", "y" included).
 */
function charStretches(tokens: readonly Token[]): { chars: string; start: number; end: number }[] {
  const runAt = new Map(findDigitRuns(tokens, 'es').map((r) => [r.start, r]));
  const out: { chars: string; start: number; end: number }[] = [];
  let cur: { chars: string; start: number; end: number; pieces: number } | undefined;
  // a number said as one figure ("8,503 pesos") is how an amount is said: only letters or digits read in pieces
  const close = () => {
    if (cur && (cur.pieces >= 2 || /[a-z]/.test(cur.chars))) out.push(cur);
    cur = undefined;
  };
  for (let k = 0; k < tokens.length;) {
    const run = runAt.get(k);
    const chars = run ? run.digits : letterOf(tokens[k]!.norm);
    const next = run ? run.end : k + 1;
    const pieces = run ? run.pieces : 1;
    if (chars === undefined) close();
    else if (cur) {
      cur.chars += chars;
      cur.end = next;
      cur.pieces += pieces;
    } else cur = { chars, start: k, end: next, pieces };
    k = next;
  }
  close();
  return out;
}

/** How long before its domain the spelled start of an e-mail address may have been said. */
const EMAIL_START_MS = 25_000;

/**
 * The start of an e-mail address spelled in the turns before the one with its domain ("si es a de adrian pe e ene
 * a" — "a pe e ene a" — "dos mil cuatro arroba yahoo punto es"): the reader's turns of spelled letters just before,
 * and the listener's letters repeated between them, are the address too.
 */
function spelledEmailStarts(prepared: PreparedTranscript, found: readonly PiiSpan[]): PiiSpan[] {
  const emails = found.filter((f) => f.type === 'EMAIL');
  if (emails.length === 0) return [];
  const order = inOrder(prepared);
  const out: PiiSpan[] = [];
  for (const email of emails) {
    const k = order.findIndex((x) => x.i === email.segmentIndex);
    // the address must open its turn
    if (k < 1 || order[k]!.all[0]!.start !== email.start) continue;
    for (let j = k - 1; j >= 0 && email.startMs - order[j]!.seg.startMs <= EMAIL_START_MS; j--) {
      const letters = spelledRun(order[j]!.all);
      if (!letters) break;
      out.push(
        ...spansForTokens(prepared, order[j]!.all, letters.first, letters.last + 1, 'EMAIL', email.value),
      );
    }
  }
  return out;
}

/** A turn that is letters spelled out (and their words of help: "a de adrian"), after a few words of answer. */
function spelledRun(tokens: readonly Token[]): { first: number; last: number } | undefined {
  let first = -1;
  let last = -1;
  let letters = 0;
  for (let j = 0; j < tokens.length; j++) {
    const norm = tokens[j]!.norm;
    if ((norm === 'de' || norm === 'como') && first >= 0 && last === j - 1 && j + 1 < tokens.length) {
      last = ++j;
    } else if (letterOf(norm) !== undefined) {
      if (first < 0) first = j;
      last = j;
      letters++;
    } else if (first >= 0 || !(LETTER_TURN_WORDS.has(norm) || ECHO_WORDS.has(norm))) {
      return undefined;
    }
  }
  return letters >= 3 ? { first, last } : undefined;
}

/**
 * Where each reply in a stream begins: token 0, and every token the other party spoke just before, back-channels
 * aside ("uh huh", "ajá"). A stream runs on across a short turn of the other party ("Expiration?" between "Correct."
 * and "Oh six thirty"), so the question a number answers is the one before its own reply, not before the stream.
 */
function replyStarts(prepared: PreparedTranscript, stream: Stream): number[] {
  const others = turnStarts(prepared, stream.party);
  const t = stream.tokens;
  const out = [0];
  let o = 0;
  for (let j = 1; j < t.length; j++) {
    while (o < others.length && others[o]! <= t[j - 1]!.startMs) o++;
    if (o < others.length && others[o]! < t[j]!.startMs) out.push(j);
  }
  return out;
}

const TURN_STARTS = new WeakMap<PreparedTranscript, Map<SegmentParty, number[]>>();

/** When the parties other than `party` began a turn (back-channels aside), in time order; once per transcript. */
function turnStarts(prepared: PreparedTranscript, party: SegmentParty): number[] {
  let byParty = TURN_STARTS.get(prepared);
  if (!byParty) TURN_STARTS.set(prepared, (byParty = new Map()));
  let starts = byParty.get(party);
  if (starts) return starts;
  starts = inOrder(prepared)
    .filter((x) => x.seg.party !== party && !isBackchannel(x.tokens))
    .map((x) => x.seg.startMs);
  byParty.set(party, starts);
  return starts;
}

/**
 * Identity values an earlier request may name and still be waiting for ("¿me confirma su cédula?", "could you give
 * me your Social Security number?"); not a phone number, asked for so often that later numbers answer other things.
 */
const REQUESTED: readonly ContextId[] = ['card', 'cedula', 'dni', 'ssn'];
/** How far back a request still waits for its answer: the other party's turns, and time. */
const REQUEST_TURNS = 4;
const REQUEST_MS = 120_000;

/**
 * The last words the other party said before `at`, where a reply of the stream's party begins (its question, if it
 * asked one). When those ask for nothing, an earlier request of the other party's that is still waiting for its
 * answer: the party asked for an identity or card number a few turns back ("¿me confirma su cédula?" — "¿y eso para qué?" — "es para radicar
 * el reclamo" — "Ah, bueno. 1.077. 432. 918.") and no number of six digits or more was said since.
 */
function questionBefore(prepared: PreparedTranscript, stream: Stream, at: number): string[] {
  const language = prepared.language;
  // the other party's streams begun before `at`, latest first (streams are in the order they began)
  const earlier: Stream[] = [];
  for (let k = prepared.streams.length - 1; k >= 0 && earlier.length < REQUEST_TURNS; k--) {
    const s = prepared.streams[k]!;
    if (s.party !== stream.party && s.tokens.length > 0 && s.tokens[0]!.startMs < at) earlier.push(s);
  }
  const wordsOf = (s: Stream) =>
    s.tokens
      .filter((t) => t.startMs < at)
      .slice(-14)
      .map((t) => t.norm);
  const last = earlier[0];
  if (!last) return [];
  const words = wordsOf(last);
  if (contextsBefore(words, words.length, language, 14).length > 0) return words;
  const asks = (w: string[]) =>
    contextsBefore(w, w.length, language, 14).some((c) => REQUESTED.includes(c.id));
  for (const turn of earlier.slice(1, REQUEST_TURNS)) {
    const end = turn.tokens[turn.tokens.length - 1]!;
    if (at - end.startMs > REQUEST_MS) break;
    const request = wordsOf(turn);
    if (!asks(request)) continue;
    // answered already: a number of six digits or more said by either party since the request
    const since = prepared.streams.filter(
      (s) => s.tokens.length > 0 && s.tokens[0]!.startMs > end.startMs && s.tokens[0]!.startMs < at,
    );
    const answered = since.some((s) => findDigitRuns(s.tokens, language).some((r) => r.digits.length >= 6));
    return answered ? words : request;
  }
  return words;
}

/** A digit run no context named, kept to be matched against the values found elsewhere in the call. */
interface Unnamed {
  stream: Stream;
  run: DigitRun;
}

function streamSpans(
  prepared: PreparedTranscript,
  stream: Stream,
  unfinished: boolean,
  unnamed: Unnamed[],
  /** Only the digit runs this accepts (a joined stream: those across a join); no words-only values then. */
  only?: (range: { start: number; end: number }) => boolean,
  /** A joined stream's cuts, where a dictated number's next piece may open with a few words (see findDigitRuns). */
  bridgeAt?: ReadonlySet<number>,
): PiiSpan[] {
  const language = prepared.language;
  const tokens = stream.tokens;
  const norms = tokens.map((t) => t.norm);
  const out: PiiSpan[] = [];
  let starts: number[] | undefined;
  /** The start of the reply holding token j. */
  const replyOf = (j: number): number => {
    starts ??= replyStarts(prepared, stream);
    let k = starts.length - 1;
    while (starts[k]! > j) k--;
    return starts[k]!;
  };
  const questions = new Map<number, string[]>();
  const questionOf = (start: number): string[] => {
    let q = questions.get(start);
    if (q === undefined) questions.set(start, (q = questionBefore(prepared, stream, tokens[start]!.startMs)));
    return q;
  };
  const runs = findDigitRuns(tokens, language, bridgeAt);
  for (let r = 0; r < runs.length; r++) {
    const run = runs[r]!;
    if (only && !only(run)) continue;
    if (isMoney(prepared, tokens, run) || isCode(prepared, tokens, run)) continue;
    const reply = replyOf(run.start);
    const offset = run.start - reply;
    const question = answersQuestion(run, offset) ? questionOf(reply) : [];
    const c = classifyRun(run, norms, language, question, unfinished, offset);
    if (!c) {
      // a card read in two parts with an aside between them ("three five seven… hang on, the light's bad in here…
      // seven three one"): neither part is anything alone, the two together are a card
      const next = runs[r + 1];
      const whole = next && !isMoney(prepared, tokens, next) ? cardAcrossAside(run, next, tokens) : undefined;
      if (whole && classifyRun(whole, norms, language, question, unfinished, offset)?.type === 'CARD') {
        out.push(...spansForTokens(prepared, tokens, run.start, run.end, 'CARD', whole.digits));
        out.push(...spansForTokens(prepared, tokens, next!.start, next!.end, 'CARD', whole.digits));
        r++;
        continue;
      }
      if (
        run.digits.length >= READ_BACK_MIN_DIGITS ||
        (run.digits.length >= PIECE_MIN_DIGITS && run.pieces >= 2)
      ) {
        unnamed.push({ stream, run });
      }
      continue;
    }
    out.push(...spansForTokens(prepared, tokens, c.start ?? run.start, c.end ?? run.end, c.type, run.digits));
    // the reader correcting part of it right after ("No, perdón, termina en cero nueve", "Sorry, no, the end is
    // seven seven six five"): the corrected part is the same number
    const fix = runs[r + 1];
    if (
      fix &&
      fix.start - run.end <= 8 &&
      correctsBetween(tokens, run.end, fix.start) &&
      !isMoney(prepared, tokens, fix)
    ) {
      out.push(...spansForTokens(prepared, tokens, fix.start, fix.end, c.type, fix.digits));
    }
    // a card read in groups with an aside before its last group ("5158 7340 2916… sorry, my kid's yelling. 7387")
    const rest = c.type === 'CARD' ? cardRest(runs, r, tokens) : undefined;
    if (rest) {
      out.push(...spansForTokens(prepared, tokens, rest.start, rest.end, 'CARD', run.digits + rest.digits));
      r++;
    }
  }
  if (only) {
    // an address dictated over turns ("d marsh dot ortega…" — "D marsh dot ortega…" — "at gmail dot com")
    for (const e of findSpokenEmails(norms, language)) {
      if (only(e)) out.push(...spansForTokens(prepared, tokens, e.start, e.end, 'EMAIL', e.value));
    }
    return out;
  }
  if (language === 'es') {
    const all = withFillers(prepared, tokens);
    for (const curp of dictatedCurps(all)) {
      out.push(...spansForTokens(prepared, all, curp.start, curp.end, 'CURP', curp.value));
    }
  }
  for (const curp of curpsAcrossSegments(tokens)) {
    out.push(...spansForTokens(prepared, tokens, curp.start, curp.end, 'CURP', curp.value));
  }
  const expiryAsked = (i: number) => {
    const reply = replyOf(i);
    if (i - reply > 1) return false;
    const question = questionOf(reply);
    return has(contextsBefore(question, question.length, language, 14), 'expiry', 14);
  };
  for (const [a, b] of expiryWithWords(norms, language, expiryAsked)) {
    out.push(...spansForTokens(prepared, tokens, a, b, 'EXPIRY', norms.slice(a, b).join(' ')));
  }
  for (const e of findSpokenEmails(norms, language)) {
    out.push(...spansForTokens(prepared, tokens, e.start, e.end, 'EMAIL', e.value));
  }
  return out;
}

/** Whether words that correct what was just said ("perdón", "sorry", "no, espere") stand in [from, to). */
function correctsBetween(tokens: readonly Token[], from: number, to: number): boolean {
  for (let k = from; k < to; k++) if (CORRECTING.has(tokens[k]!.norm)) return true;
  return false;
}

/** How many words may stand between a card's groups and its last group (an aside: "sorry, my kid's yelling"). */
const CARD_ASIDE_WORDS = 10;

/**
 * Whether `next` completes `run` as a card: within a few words (an aside) and two segments of it, the two together a
 * card number (15 or 16 digits, Luhn).
 */
function completesCard(run: DigitRun, next: DigitRun, tokens: readonly Token[]): boolean {
  const whole = run.digits + next.digits;
  return (
    (whole.length === 15 || whole.length === 16) &&
    next.start - run.end <= CARD_ASIDE_WORDS &&
    tokens[next.start]!.segmentIndex - tokens[run.end - 1]!.segmentIndex <= 2 &&
    luhnValid(whole)
  );
}

/** Two numbers of three digits or more a few words apart that together are a card (completesCard), as one run. */
function cardAcrossAside(run: DigitRun, next: DigitRun, tokens: readonly Token[]): DigitRun | undefined {
  if (run.digits.length < 3 || next.digits.length < 3 || !completesCard(run, next, tokens)) return undefined;
  return { ...run, digits: run.digits + next.digits, pieces: run.pieces + next.pieces };
}

/**
 * The last group of a card whose first groups were found too short to be whole (`runs[r]`, 11–14 digits): the next
 * number, when it completes the card.
 */
function cardRest(runs: readonly DigitRun[], r: number, tokens: readonly Token[]): DigitRun | undefined {
  const run = runs[r]!;
  const next = runs[r + 1];
  if (run.digits.length < 11 || run.digits.length > 14 || next === undefined) return undefined;
  return completesCard(run, next, tokens) ? next : undefined;
}

/**
 * A CURP written in two pieces across a party's consecutive segments ("Sí, es REOA790623" / "HJCYCR08."): up to three
 * tokens on each side of a segment break, letters and digits joined, checked as a CURP.
 */
function curpsAcrossSegments(tokens: readonly Token[]): { start: number; end: number; value: string }[] {
  const out: { start: number; end: number; value: string }[] = [];
  const piece = (t: Token) => t.surface.replace(/[^A-Za-z0-9]/g, '');
  for (let j = 0; j + 1 < tokens.length; j++) {
    if (tokens[j]!.segmentIndex === tokens[j + 1]!.segmentIndex) continue;
    // a CURP has ten characters of letters and its birth date before its last eight: a digit on each side
    if (!/\d/.test(tokens[j]!.surface) && !/\d/.test(tokens[j + 1]!.surface)) continue;
    found: for (let a = j; a >= Math.max(0, j - 2); a--) {
      let left = '';
      for (let k = a; k <= j; k++) left += piece(tokens[k]!);
      if (left.length >= 18) break;
      let right = '';
      for (let b = j + 1; b < Math.min(tokens.length, j + 4); b++) {
        right += piece(tokens[b]!);
        if (left.length + right.length > 18) break;
        if (left.length + right.length === 18 && curpValid(left + right)) {
          out.push({ start: a, end: b + 1, value: (left + right).toUpperCase() });
          break found;
        }
      }
    }
  }
  return out;
}

/** Overlapping spans: the longer one wins; pattern identifiers win over digit-run guesses of the same length. */
function resolve(spans: PiiSpan[]): PiiSpan[] {
  const sorted = [...spans].sort((a, b) => b.end - b.start - (a.end - a.start));
  const kept: PiiSpan[] = [];
  for (const s of sorted) {
    if (kept.some((k) => k.segmentIndex === s.segmentIndex && k.start < s.end && s.start < k.end)) continue;
    kept.push(s);
  }
  return kept.sort((a, b) => a.segmentIndex - b.segmentIndex || a.start - b.start);
}

export interface DetectPiiOptions {
  /**
   * The transcript is still being said (a live call): a number its context calls sensitive ("mi tarjeta es …")
   * is a span of that type even while too short to be one, since its rest may come in the next line. Off for a
   * whole call, where such a number is whole and, being too short, is something else.
   */
  unfinished?: boolean;
}

export function detectPii(prepared: PreparedTranscript, options: DetectPiiOptions = {}): PiiSpan[] {
  const spans: PiiSpan[] = [];
  /** Numbers in a phone's groups that the words before called something else, by their digits. */
  const references = new Set<string>();
  prepared.segments.forEach((segment, i) => {
    const tokens = prepared.segmentTokens[i]!;
    let norms: string[] | undefined;
    for (const w of [...writtenIds(segment), ...findWrittenEmails(segment.text)]) {
      const inside = tokens.filter((t) => t.start >= w.start && t.end <= w.end);
      // a number in a phone's groups that the words before call something else ("el radicado es 654 32 19 87")
      if (w.type === 'PHONE' && inside.length > 0) {
        norms ??= tokens.map((t) => t.norm);
        const ctx = contextsBefore(norms, tokens.indexOf(inside[0]!), prepared.language);
        if (ctx[0]?.id === 'notCard') {
          references.add(w.value);
          continue;
        }
      }
      spans.push({
        type: w.type,
        segmentIndex: i,
        party: segment.party,
        channel: segment.channel,
        start: w.start,
        end: w.end,
        text: segment.text.slice(w.start, w.end),
        startMs: inside[0]?.startMs ?? segment.startMs,
        endMs: inside[inside.length - 1]?.endMs ?? segment.endMs,
        value: w.value,
      });
    }
  });
  // and the same number read back ("654 32 19 87. Grabado.") is that reference again
  if (references.size > 0) {
    const kept = spans.filter((s) => s.type !== 'PHONE' || !references.has(s.value));
    spans.length = 0;
    spans.push(...kept);
  }
  const unnamed: Unnamed[] = [];
  for (const stream of prepared.streams)
    spans.push(...streamSpans(prepared, stream, options.unfinished === true, unnamed));
  // a number read in pieces while the other party only says "uh huh", "ajá", "okay": the pieces are one number
  for (const { stream, cuts, all } of acrossBackchannels(prepared)) {
    const crosses = (run: { start: number; end: number }) => cuts.some((c) => run.start < c && c < run.end);
    spans.push(...streamSpans(prepared, stream, options.unfinished === true, [], crosses, new Set(cuts)));
    // a CURP spelled over the turns of a dictation
    if (prepared.language === 'es') {
      for (const curp of dictatedCurps(all)) {
        spans.push(...spansForTokens(prepared, all, curp.start, curp.end, 'CURP', curp.value));
      }
    }
  }
  spans.push(...echoSpans(prepared, spans));
  spans.push(...dniLetterTurns(prepared, spans));
  spans.push(...spelledEmailStarts(prepared, spans));
  spans.push(...curpPieces(prepared, spans));
  // a number read back ("654 32 19 87. Grabado."): the same digits as a value found elsewhere are that value again
  if (unnamed.length > 0) {
    const known = new Map<string, PiiType>();
    for (const s of spans) if (/^\d+$/.test(s.value)) known.set(s.value, s.type);
    for (const { stream, run } of unnamed) {
      const type =
        run.digits.length >= READ_BACK_MIN_DIGITS
          ? (known.get(run.digits) ?? readBackOf(run.digits, known))
          : pieceOf(run.digits, stream.tokens[run.start]!.startMs, spans);
      if (type) spans.push(...spansForTokens(prepared, stream.tokens, run.start, run.end, type, run.digits));
    }
  }
  return resolve(spans);
}
