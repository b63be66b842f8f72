import type { PhraseMatch } from '../matching/phrase.matcher.ts';
import type { PhraseRegistry } from '../matching/phrase.registry.ts';
import type { PreparedTranscript, Stream, Token } from '../matching/prepared-transcript.ts';
import type { CallContext, Evidence, Language } from '../matching/transcript.types.ts';
import { extractAmounts, pickAmount, type Amount } from './amount.extractor.ts';
import { isoDate, localDateTime, type CalendarDate } from './calendar.ts';
import { findDates, type DateMention } from './date.resolver.ts';
import { PROMISE_PHRASE_LIST } from './promise.phrases.ts';

/**
 * Promise-to-pay detection. A promise is a customer clause that commits to paying ("el viernes le pago doscientos
 * mil", "I'll send 150 dollars tomorrow"), or a customer agreeing to a payment the agent just proposed ("¿entonces
 * el sábado abona cuatro mil doscientos?" — "sí ándale"), or a customer answering the agent's question about
 * payment with an amount and a date. Hedges, conditions, refusals, payments already made and someone else paying
 * cancel the clause they are in. Amounts and dates are normalised (number words, currency, dates resolved against
 * the call's local date).
 */

export interface PaymentPromise {
  kind: 'statement' | 'acceptance' | 'answer';
  amount: { value: number; currency: string; text: string } | null;
  /** YYYY-MM-DD in the call's local calendar. */
  date: string | null;
  dateText: string | null;
  evidence: Evidence[];
}

export interface PromiseResult {
  promised: boolean;
  promises: PaymentPromise[];
  /** The promise that best describes the call: the last one with most detail. */
  primary: PaymentPromise | null;
}

const BLOCKERS = new Set(['hedge', 'condition', 'refuse', 'past', 'other_payer']);
const CLAUSE_BREAKS: Record<Language, Set<string>> = {
  es: new Set(['pero', 'aunque', 'sino', 'porque']),
  en: new Set(['but', 'although', 'though', 'so', 'because']),
};
const NOUN_BEFORE_PAY = new Set([
  'el',
  'un',
  'del',
  'de',
  'al',
  'mi',
  'su',
  'ese',
  'este',
  'primer',
  'otro',
  'ningun',
  'cada',
  'sin',
  'para',
  'tu',
  'la',
]);

interface Clause {
  stream: number;
  start: number;
  end: number;
}

function clausesOf(stream: Stream, streamIndex: number, language: Language): Clause[] {
  const out: Clause[] = [];
  let start = 0;
  stream.tokens.forEach((t, i) => {
    if (CLAUSE_BREAKS[language].has(t.norm) && i > start) {
      out.push({ stream: streamIndex, start, end: i });
      start = i + 1;
    }
  });
  if (start < stream.tokens.length) out.push({ stream: streamIndex, start, end: stream.tokens.length });
  return out;
}

function evidenceOf(
  prepared: PreparedTranscript,
  tokens: readonly Token[],
  from: number,
  to: number,
): Evidence {
  const a = tokens[from]!;
  const b = tokens[Math.max(from, to - 1)]!;
  const text =
    a.segmentIndex === b.segmentIndex
      ? prepared.segments[a.segmentIndex]!.text.slice(a.start, b.end)
      : tokens
          .slice(from, to)
          .map((t) => t.surface)
          .join(' ');
  return {
    segmentIndex: a.segmentIndex,
    party: prepared.segments[a.segmentIndex]!.party,
    startMs: a.startMs,
    endMs: b.endMs,
    matchedText: text,
    score: 1,
  };
}

interface Details {
  amount?: Amount;
  date?: { mention: DateMention; text: string };
}

function details(
  prepared: PreparedTranscript,
  tokens: readonly Token[],
  from: number,
  to: number,
  ctx: CallContext,
  today: CalendarDate,
): Details {
  if (to <= from) return {};
  const slice = withoutSoftFillers(tokens.slice(from, to), prepared.language);
  const norms = slice.map((t) => t.norm);
  const dates = findDates(norms, prepared.language, today);
  const inDate = (i: number) => dates.some((d) => i >= d.start && i < d.end);
  const amounts = extractAmounts(slice, prepared.segments, prepared.language, {
    accountCurrency: ctx.currency ?? null,
    region: ctx.region ?? null,
    exclude: inDate,
  });
  const specific = dates.filter((d) => d.date !== null);
  // the last specific date said is the one agreed on ("hoy no, mañana")
  const mention = specific[specific.length - 1] ?? dates[dates.length - 1];
  return {
    amount: pickAmount(amounts),
    date: mention
      ? { mention, text: evidenceOf(prepared, slice, mention.start, mention.end).matchedText }
      : undefined,
  };
}

export function detectPromises(
  phrases: PhraseRegistry,
  prepared: PreparedTranscript,
  ctx: CallContext,
): PromiseResult {
  const language = prepared.language;
  const local = localDateTime(ctx.startedAt, ctx.timeZone, ctx.region);
  const today: CalendarDate = { year: local.year, month: local.month, day: local.day };
  const matches = phrases
    .matches(prepared, PROMISE_PHRASE_LIST.namespace)
    .filter((m) => (m.party === 'agent' ? m.phraseId === 'proposal' : m.phraseId !== 'proposal'));
  const byStream = new Map<number, PhraseMatch[]>();
  for (const m of matches) {
    const l = byStream.get(m.streamIndex);
    if (l) l.push(m);
    else byStream.set(m.streamIndex, [m]);
  }
  const promises: PaymentPromise[] = [];
  const streams = prepared.streams;
  streams.forEach((stream, si) => {
    if (stream.party !== 'customer' && stream.party !== 'unknown') return;
    const inStream = byStream.get(si);
    const prevAgentIndex = findPreviousAgent(streams, si);
    const prevAgent = prevAgentIndex >= 0 ? streams[prevAgentIndex]! : undefined;
    const replyAt = stream.tokens[0]?.startMs ?? 0;
    const agentProposes =
      prevAgentIndex >= 0 &&
      (byStream.get(prevAgentIndex) ?? []).some((m) => m.phraseId === 'proposal' && m.startMs <= replyAt);
    if (!inStream && !agentProposes) return;
    const agentEnd = prevAgent ? prevAgent.tokens.filter((t) => t.startMs <= replyAt).length : 0;
    let agentDetails: Details | undefined;
    let streamDetails: Details | undefined;
    const clauses = clausesOf(stream, si, language);
    clauses.forEach((clause, ci) => {
      const here = (inStream ?? []).filter((m) => m.startToken >= clause.start && m.startToken < clause.end);
      if (here.some((m) => BLOCKERS.has(m.phraseId))) return;
      const commitPhrase = here.some((m) => m.phraseId === 'commit');
      const barePay = here.some((m) => m.phraseId === 'bare_pay' && isVerbUse(stream.tokens, m.startToken));
      const acceptWord =
        ci === 0 &&
        agentProposes &&
        here.some((m) => m.phraseId === 'accept' && m.startToken <= clause.start + 2);
      if (!commitPhrase && !barePay && !acceptWord && !(ci === 0 && agentProposes)) return;
      const d = details(prepared, stream.tokens, clause.start, clause.end, ctx, today);
      const commit = commitPhrase || (barePay && (d.amount !== undefined || d.date !== undefined));
      const accept = !commit && acceptWord;
      const answer =
        !commit && !accept && ci === 0 && agentProposes && d.amount !== undefined && d.date !== undefined;
      if (!commit && !accept && !answer) return;
      const kind: PaymentPromise['kind'] = commit ? 'statement' : accept ? 'acceptance' : 'answer';
      // details: the clause first, then the rest of the customer's turn, then the agent's proposal
      const fromAgent = kind !== 'statement' || agentProposes;
      const rest = () =>
        (streamDetails ??= details(prepared, stream.tokens, 0, stream.tokens.length, ctx, today));
      const agent = () =>
        (agentDetails ??=
          prevAgent && fromAgent ? details(prepared, prevAgent.tokens, 0, agentEnd, ctx, today) : {});
      const amount = d.amount ?? rest().amount ?? agent().amount;
      const date = d.date ?? rest().date ?? agent().date;
      const evidence = [evidenceOf(prepared, stream.tokens, clause.start, clause.end)];
      if (kind !== 'statement' && prevAgent && agentEnd > 0) {
        evidence.unshift(evidenceOf(prepared, prevAgent.tokens, 0, agentEnd));
      }
      promises.push({
        kind,
        amount: amount ? { value: amount.value, currency: amount.currency, text: amount.text } : null,
        date: date?.mention.date ? isoDate(date.mention.date) : null,
        dateText: date?.text ?? null,
        evidence,
      });
    });
  });
  const detail = (p: PaymentPromise) => (p.amount ? 1 : 0) + (p.date ? 1 : 0);
  const primary = promises.reduce<PaymentPromise | null>(
    (best, p) => (!best || detail(p) >= detail(best) ? p : best),
    null,
  );
  return { promised: promises.length > 0, promises, primary };
}

/** Words that interrupt a date or an amount without meaning anything ("el pues treinta", "at the end like of"). */
function withoutSoftFillers(tokens: readonly Token[], language: Language): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const w = tokens[i]!.norm;
    const next = tokens[i + 1]?.norm;
    const prev = out[out.length - 1]?.norm;
    if (language === 'es') {
      if (w === 'pues' || w === 'digamos' || w === 'osea') continue;
      if (w === 'o' && next === 'sea') {
        i++;
        continue;
      }
      if (w === 'este' && (prev === 'el' || prev === 'la' || prev === 'los' || prev === 'de')) continue;
    } else {
      if (w === 'like' || w === 'uh' || w === 'um') continue;
      if (w === 'you' && next === 'know') {
        i++;
        continue;
      }
      if (w === 'so' && (prev === 'the' || prev === 'will' || prev === 'of')) continue;
    }
    out.push(tokens[i]!);
  }
  return out;
}

/** "pago" after an article or preposition is the noun ("el pago"), not "I pay". */
function isVerbUse(tokens: readonly Token[], i: number): boolean {
  const prev = tokens[i - 1]?.norm;
  return !prev || !NOUN_BEFORE_PAY.has(prev);
}

function findPreviousAgent(streams: readonly Stream[], si: number): number {
  const start = streams[si]!.tokens[0]?.startMs ?? 0;
  for (let k = si - 1; k >= 0; k--) {
    const s = streams[k]!;
    if (s.party === 'agent') return (s.tokens[0]?.startMs ?? 0) <= start ? k : -1;
    if (s.party === 'customer') return -1;
  }
  return -1;
}
