/**
 * calls.jsonl: whole collection calls (two parties, segment times) composed from the dialogue blocks of
 * calls.blocks.ts by a seeded scenario generator. A scenario first decides what happens in the call (whether and how
 * the recording notice is given, what the customer does about paying, which identifiers are read out) and the labels
 * are computed from those decisions; the words are drawn afterwards from the blocks and then put through ASR-like
 * noise (lower case, no punctuation, lost accents, fillers, misrecognitions such as "salvo pendiente"). See
 * LABELLING.md, section calls.jsonl.
 */
import type { Party } from '../../../models/database.ts';
import {
  ACCEPT,
  AGENT_ACK,
  AGENT_CONFIRM,
  AGENTS,
  ANSWER,
  ANSWER_PAY,
  ASK_PAY,
  CARD_AFTER,
  CARD_ASK,
  CARD_LEAD,
  CLOSING,
  CLOSING_REPLY,
  COMMIT,
  COMPANIES,
  CUSTOMERS,
  DEBT,
  DEBT_REPLY,
  DECLINE,
  DEFLECT,
  GREETING,
  ID_LEAD,
  IDENTIFY,
  LISTEN,
  NEGATIVE,
  NOT_NOTICE,
  NOTICE,
  OFFER,
  pool,
  PROPOSE,
  RETRACT,
  SMALL_TALK,
  VERIFY_ID,
  wordings,
  type Locale,
  type Split,
} from './calls.blocks.ts';
import {
  EN_MONTHS,
  EN_WEEKDAYS,
  enOrdinal,
  enSuffix,
  ES_MONTHS,
  ES_WEEKDAYS,
  esDay,
  grouped,
  iso,
  monthLength,
  numberWords,
  plusDays,
  weekday,
  type Day,
} from './calls.words.ts';
import { NOISE, noisy, pick, rng, shuffle, type Lang } from './noise.ts';
import { render, type Style } from './spoken.ts';

export type PromiseScenario =
  | 'statement'
  | 'accept'
  | 'answer'
  | 'declined_then_commit'
  | 'retracted'
  | 'listen'
  | 'proposal_declined'
  | keyof typeof NEGATIVE;
export type NoticeScenario = 'on_time' | 'late' | 'none' | 'customer' | 'partial' | 'negated' | 'other';
export type NoticeOutcome = 'on_time' | 'late' | 'missing';
type NoiseName = 'clean' | 'low' | 'medium' | 'high';

export interface LabelledSpan {
  segmentIndex: number;
  start: number;
  end: number;
  text: string;
}

export interface CallCase {
  id: string;
  split: Split;
  language: Lang;
  locale: Locale;
  profile: 'generic' | 'co' | 'mx' | 'us';
  startedAt: string;
  currency: string;
  noise: NoiseName;
  scenario: { promise: PromiseScenario; notice: NoticeScenario };
  segments: { party: Party; channel: number; startMs: number; endMs: number; text: string }[];
  promise: { promised: boolean; amount: number | null; currency: string | null; date: string | null };
  /** The agent's recording notice: on time (≤ 20 s of the call's clock), late (≥ 60 s) or missing. */
  notice: { outcome: NoticeOutcome; atMs: number | null };
  /** Card, ID, SSN and phone numbers (one span per segment a number crosses). */
  pii: (LabelledSpan & { type: string })[];
  /** Money amounts said in the call: must stay readable. */
  amounts: LabelledSpan[];
}

type Said = { t: string; mark?: 'pii' | 'amount'; type?: string };
type Piece = Said | { br: true };
interface Turn {
  party: Party;
  pieces: Piece[];
  notice?: boolean;
}

const LOCALE: Record<
  Locale,
  { lang: Lang; currency: string; profile: CallCase['profile']; utc: [number, number] }
> = {
  co: { lang: 'es', currency: 'COP', profile: 'co', utc: [-5, -5] },
  mx: { lang: 'es', currency: 'MXN', profile: 'mx', utc: [-6, -6] },
  es: { lang: 'es', currency: 'EUR', profile: 'generic', utc: [1, 2] },
  us: { lang: 'en', currency: 'USD', profile: 'us', utc: [-5, -4] },
  'us-es': { lang: 'es', currency: 'USD', profile: 'us', utc: [-6, -5] },
};

/** Misrecognitions an ASR makes on collection calls (word → what it writes). */
const CONFUSIONS: Record<Lang, [RegExp, string][]> = {
  es: [
    [/\bsaldo\b/g, 'salvo'],
    [/\bviernes\b/g, 'bienes'],
    [/\bgrabada\b/g, 'gravada'],
    [/\bgrabando\b/g, 'gravando'],
    [/\bconsigno\b/g, 'con signo'],
    [/\babono\b/g, 'a bono'],
    [/\bpago\b/g, 'pagó'],
    [/\bmiércoles\b/g, 'miércole'],
    [/\bpesos\b/g, 'peso'],
    [/\bdeposito\b/g, 'depósito'],
    [/\bllamada\b/g, 'yamada'],
    [/\bmañana\b/g, 'manana'],
  ],
  en: [
    [/\bI'll\b/g, 'all'],
    [/\bFriday\b/g, 'fry day'],
    [/\brecorded\b/g, 'record it'],
    [/\bbalance\b/g, 'balanced'],
    [/\bpayment\b/g, 'pay meant'],
    [/\bdollars\b/g, 'dollar'],
    [/\bTuesday\b/g, 'twos day'],
  ],
};

interface Ctx {
  r: () => number;
  split: Split;
  locale: Locale;
  lang: Lang;
  today: Day;
  vars: Record<string, string>;
}

const chance = (c: Ctx, p: number) => c.r() < p;
const intIn = (c: Ctx, lo: number, hi: number) => lo + Math.floor(c.r() * (hi - lo + 1));

function weighted<T extends string>(c: Ctx, table: Record<T, number>): T {
  const total = Object.values<number>(table).reduce((a, b) => a + b, 0);
  let x = c.r() * total;
  for (const [k, w] of Object.entries<number>(table)) {
    x -= w;
    if (x < 0) return k as T;
  }
  return Object.keys(table)[0] as T;
}

function say(c: Ctx, block: Parameters<typeof wordings>[0]): string {
  const lang = c.locale === 'us' ? 'us' : c.locale;
  return pick(c.r, pool(c.split, wordings(block, lang)));
}

/** Fills {name} placeholders; {A} and {D} take the given pieces (amount and date), others the context's vars. */
function tpl(c: Ctx, template: string, slots: { A?: Piece[]; D?: string; P?: string } = {}): Piece[] {
  const out: Piece[] = [];
  let rest = template;
  for (;;) {
    const m = /\{(\w+)\}/.exec(rest);
    if (!m) break;
    if (m.index > 0) out.push({ t: rest.slice(0, m.index) });
    const key = m[1]!;
    if (key === 'A') out.push(...(slots.A ?? []));
    else if (key === 'D') out.push({ t: slots.D ?? '' });
    else if (key === 'P') out.push({ t: slots.P ?? '' });
    else out.push({ t: c.vars[key] ?? key });
    rest = rest.slice(m.index + m[0].length);
  }
  if (rest) out.push({ t: rest });
  return out.filter((p) => 'br' in p || p.t.trim() !== '' || p.mark);
}

// ---- amounts -------------------------------------------------------------------------------------------------

function amountValue(c: Ctx, role: 'balance' | 'payment' | 'installment'): number {
  const scale = role === 'balance' ? 4 : role === 'installment' ? 0.5 : 1;
  switch (c.locale) {
    case 'co':
      return Math.round((intIn(c, 5, 120) * 10_000 * scale) / 10_000) * 10_000 || 50_000;
    case 'mx':
      return Math.round((intIn(c, 5, 60) * 100 * scale) / 100) * 100 || 500;
    case 'es':
      return Math.round((intIn(c, 5, 90) * 10 * scale) / 10) * 10 || 50;
    default:
      return Math.round((intIn(c, 4, 60) * 25 * scale) / 5) * 5 || 25;
  }
}

/** An amount as the locale says or an ASR writes it; may be cut across two segments when `split`. */
function amountPieces(c: Ctx, value: number, allowSplit: boolean): Piece[] {
  const words = numberWords(c.lang, value);
  const cur =
    c.locale === 'es' ? 'euros' : c.locale === 'us' ? 'dollars' : c.locale === 'us-es' ? 'dólares' : 'pesos';
  const sep = c.locale === 'co' || c.locale === 'es' ? '.' : ',';
  const options: string[] = [`${words} ${cur}`, words, `${grouped(value, sep)} ${cur}`];
  if (c.locale === 'us') {
    options.push(
      `$${grouped(value, ',')}`,
      `${value} bucks`,
      `${words.replace(' hundred ', ' hundred and ')} dollars`,
    );
    if (value >= 1100 && value < 10_000 && value % 100 === 0 && value % 1000 !== 0)
      options.push(`${numberWords('en', Math.floor(value / 100))} hundred dollars`);
  } else {
    options.push(`$${grouped(value, sep)}`);
    if (value >= 1000 && value % 1000 === 0)
      options.push(`${grouped(value / 1000, sep)} mil ${cur}`, `${grouped(value / 1000, sep)} mil`);
    if (c.locale === 'co' && value % 1000 === 0 && value < 1_000_000) options.push(`${value / 1000} lucas`);
    if (c.locale === 'es') options.push(`${value} €`);
    if (c.locale !== 'es' && value < 1_000_000)
      options.push(`${words} pesitos`.replace('pesos pesitos', 'pesitos'));
  }
  const text = pick(c.r, options);
  const parts = text.split(' ');
  if (allowSplit && parts.length >= 3 && chance(c, 0.15)) {
    const cut = 1 + Math.floor(c.r() * (parts.length - 1));
    return [
      { t: parts.slice(0, cut).join(' '), mark: 'amount' },
      { br: true },
      { t: parts.slice(cut).join(' '), mark: 'amount' },
    ];
  }
  return [{ t: text, mark: 'amount' }];
}

// ---- dates ---------------------------------------------------------------------------------------------------

function dayWord(c: Ctx, d: number): string {
  if (c.lang === 'en') return pick(c.r, [enSuffix(d), enOrdinal(d)]);
  return chance(c, 0.5) ? String(d) : esDay(d);
}

/** A future date the customer names, with the calendar date it means (null when vague). */
function futureDate(c: Ctx): { text: string; iso: string | null } {
  const t = c.today;
  const kinds = ['tomorrow', 'weekday', 'weekday_day', 'day', 'day_month', 'vague'];
  if (c.lang === 'es') kinds.push('day_after', 'end_of_month');
  const kind = pick(c.r, kinds);
  const wdDate = () => {
    const wd = (weekday(t) + intIn(c, 1, 6)) % 7;
    const diff = (wd - weekday(t) + 7) % 7 || 7;
    return { wd, date: plusDays(t, diff) };
  };
  const es = c.lang === 'es';
  switch (kind) {
    case 'tomorrow':
      return { text: es ? 'mañana' : 'tomorrow', iso: iso(plusDays(t, 1)) };
    case 'day_after':
      return { text: 'pasado mañana', iso: iso(plusDays(t, 2)) };
    case 'weekday': {
      const { wd, date } = wdDate();
      const text = es
        ? `${pick(c.r, ['el', 'este', 'el próximo'])} ${ES_WEEKDAYS[wd]}`
        : `${pick(c.r, ['on', 'this', 'by'])} ${EN_WEEKDAYS[wd]}`;
      return { text, iso: iso(date) };
    }
    case 'weekday_day': {
      const { wd, date } = wdDate();
      const text = es
        ? `el ${ES_WEEKDAYS[wd]} ${dayWord(c, date.d)}`
        : `${EN_WEEKDAYS[wd]} the ${dayWord(c, date.d)}`;
      return { text, iso: iso(date) };
    }
    case 'day': {
      const last = monthLength(t.y, t.m);
      if (t.d + 2 > last) return futureDate(c);
      const d = intIn(c, t.d + 2, last);
      const text = es ? `${pick(c.r, ['el', 'el día'])} ${dayWord(c, d)}` : `on the ${dayWord(c, d)}`;
      return { text, iso: iso({ y: t.y, m: t.m, d }) };
    }
    case 'day_month': {
      const m = t.m === 12 ? 1 : t.m + 1;
      const y = t.m === 12 ? t.y + 1 : t.y;
      const d = intIn(c, 1, 28);
      const text = es ? `el ${dayWord(c, d)} de ${ES_MONTHS[m - 1]}` : `${EN_MONTHS[m - 1]} ${dayWord(c, d)}`;
      return { text, iso: iso({ y, m, d }) };
    }
    case 'end_of_month': {
      const last = monthLength(t.y, t.m);
      if (t.d >= last - 1) return futureDate(c);
      return { text: pick(c.r, ['a fin de mes', 'a finales de mes']), iso: iso({ y: t.y, m: t.m, d: last }) };
    }
    default:
      return {
        text: es
          ? pick(c.r, ['la otra semana', 'la próxima semana', 'más adelante'])
          : pick(c.r, ['next week', 'later this month']),
        iso: null,
      };
  }
}

function pastTime(c: Ctx): string {
  if (c.lang === 'es')
    return pick(c.r, [
      'ayer',
      'el lunes pasado',
      'la semana pasada',
      `hace ${numberWords('es', intIn(c, 2, 9))} días`,
      'el mes pasado',
      'antier',
    ]);
  return pick(c.r, ['yesterday', 'last week', 'last Friday', 'two weeks ago', 'on the 3rd', 'last month']);
}

// ---- identifiers ---------------------------------------------------------------------------------------------

function luhnCard(c: Ctx): string {
  const prefix = pick(c.r, ['4', '51', '52', '53', '54', '55']);
  let body = prefix;
  while (body.length < 15) body += String(intIn(c, 0, 9));
  let sum = 0;
  for (let i = 0; i < 15; i++) {
    let d = Number(body[14 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return body + String((10 - (sum % 10)) % 10);
}

function digitsOf(c: Ctx, n: number, first = '123456789'): string {
  let s = first[intIn(c, 0, first.length - 1)]!;
  while (s.length < n) s += String(intIn(c, 0, 9));
  return s;
}

/** The identifier the customer reads out for verification, as pieces (one or two segments). */
function idPieces(c: Ctx): Piece[] {
  const lead = pick(c.r, ID_LEAD[c.locale]);
  const spokenStyles: Style[] = c.lang === 'en' ? ['spoken', 'oh', 'double'] : ['spoken', 'pairs', 'double'];
  let type: string;
  let text: string;
  if (c.locale === 'co') {
    type = 'CEDULA';
    const digits = chance(c, 0.5) ? `10${digitsOf(c, 8)}` : digitsOf(c, 8);
    text = chance(c, 0.5)
      ? pick(c.r, [grouped(Number(digits), '.'), digits])
      : render('es', digits, pick(c.r, spokenStyles));
  } else if (c.locale === 'es') {
    type = 'DNI';
    const digits = digitsOf(c, 8, '0123456789');
    const letter = 'TRWAGMYFPDXBNJZSQVHLCKE'[Number(digits) % 23]!;
    text = pick(c.r, [`${digits}${letter}`, `${digits} ${letter}`, `${digits}-${letter}`]);
  } else if (c.locale === 'us') {
    type = 'SSN';
    const digits = `${intIn(c, 101, 665)}${intIn(c, 10, 99)}${intIn(c, 1001, 9999)}`;
    text = chance(c, 0.5)
      ? pick(c.r, [
          `${digits.slice(0, 3)}-${digits.slice(3, 5)}-${digits.slice(5)}`,
          `${digits.slice(0, 3)} ${digits.slice(3, 5)} ${digits.slice(5)}`,
        ])
      : render('en', digits, pick(c.r, spokenStyles));
  } else {
    type = 'PHONE';
    const digits = `${pick(c.r, ['55', '33', '81', '31', '21'])}${digitsOf(c, 8)}`;
    text = chance(c, 0.5)
      ? pick(c.r, [`${digits.slice(0, 2)} ${digits.slice(2, 6)} ${digits.slice(6)}`, digits])
      : render('es', digits, pick(c.r, spokenStyles));
  }
  return [{ t: lead }, ...splitMarked(c, text, type)];
}

/** A long spoken number is sometimes cut by the recogniser into two segments. */
function splitMarked(c: Ctx, text: string, type: string): Piece[] {
  const words = text.split(' ');
  if (words.length >= 6 && chance(c, 0.3)) {
    const cut = Math.floor(words.length / 2);
    return [
      { t: words.slice(0, cut).join(' '), mark: 'pii', type },
      { br: true },
      { t: words.slice(cut).join(' '), mark: 'pii', type },
    ];
  }
  return [{ t: text, mark: 'pii', type }];
}

function cardPieces(c: Ctx): Piece[] {
  const card = luhnCard(c);
  const style: Style = pick(c.r, ['groups', 'digits', 'spoken', c.lang === 'en' ? 'oh' : 'pairs', 'double']);
  return [{ t: say(c, CARD_LEAD) }, ...splitMarked(c, render(c.lang, card, style), 'CARD')];
}

// ---- the call ------------------------------------------------------------------------------------------------

const PROMISE_MIX: Record<PromiseScenario, number> = {
  statement: 24,
  accept: 12,
  answer: 5,
  declined_then_commit: 5,
  retracted: 7,
  listen: 7,
  proposal_declined: 5,
  conditional: 7,
  refusal: 5,
  paid: 7,
  hedge: 6,
  vague: 4,
  other_payer: 3,
  dispute: 2,
  callback: 2,
};
const NOTICE_MIX: Record<NoticeScenario, number> = {
  on_time: 52,
  late: 20,
  none: 9,
  customer: 7,
  partial: 6,
  negated: 3,
  other: 3,
};

function compose(
  c: Ctx,
  promiseKind: PromiseScenario,
  noticeKind: NoticeScenario,
  withId: boolean,
  withCard: boolean,
) {
  const A = (pieces: Piece[], notice = false): Turn => ({ party: 'agent', pieces, notice });
  const C = (pieces: Piece[]): Turn => ({ party: 'customer', pieces });
  const text = (s: string): Piece[] => tpl(c, s);
  const opening: Turn[] = [];
  const middle: Turn[] = [];
  const label = { promised: false, amount: null as number | null, date: null as string | null };

  const greeting = text(say(c, GREETING));
  const identify = text(say(c, IDENTIFY));
  if (chance(c, 0.5)) {
    opening.push(A([...identify, ...greeting]), C(text(say(c, ANSWER))));
  } else {
    opening.push(A(greeting), C(text(say(c, ANSWER))), A(identify));
  }
  if (noticeKind === 'on_time') opening.push(A(text(say(c, NOTICE)), true));
  if (noticeKind === 'partial' || noticeKind === 'negated')
    opening.push(A(text(say(c, NOT_NOTICE[noticeKind]))));
  if (noticeKind === 'customer') opening.push(C(text(say(c, NOT_NOTICE.customer))), A(text(say(c, DEFLECT))));

  if (withId) {
    opening.push(A(text(pick(c.r, VERIFY_ID[c.locale]))), C(idPieces(c)));
    if (noticeKind === 'other') opening.push(A(text(say(c, NOT_NOTICE.other))));
    else opening.push(A(text(c.lang === 'es' ? 'Gracias.' : 'Thank you.')));
  } else if (noticeKind === 'other') opening.push(A(text(say(c, NOT_NOTICE.other))));

  middle.push(A(tpl(c, say(c, DEBT), { A: amountPieces(c, amountValue(c, 'balance'), false) })));
  middle.push(C(text(say(c, DEBT_REPLY))));

  const offer = () => A(tpl(c, say(c, OFFER), { A: amountPieces(c, amountValue(c, 'installment'), false) }));
  if (promiseKind === 'listen' || chance(c, 0.3)) {
    middle.push(offer(), C(text(say(c, LISTEN))));
  }

  const payAmount = () => amountValue(c, 'payment');
  const commitTurn = (allowSplit = true): Turn => {
    const both = chance(c, 0.55);
    const onlyDate = !both && chance(c, 0.5);
    const value = onlyDate ? null : payAmount();
    const date = both || onlyDate ? futureDate(c) : null;
    let template = say(c, COMMIT);
    if (!date) template = template.replace('{D}', '');
    if (value === null) template = template.replace('{A}', c.lang === 'es' ? 'el total' : 'the full amount');
    label.amount = value;
    label.date = date?.iso ?? null;
    return C(
      tpl(c, template, { A: value === null ? [] : amountPieces(c, value, allowSplit), D: date?.text }),
    );
  };
  const proposeTurn = (): { turn: Turn; value: number; date: string | null } => {
    const value = payAmount();
    const date = futureDate(c);
    return {
      turn: A(tpl(c, say(c, PROPOSE), { A: amountPieces(c, value, false), D: date.text })),
      value,
      date: date.iso,
    };
  };
  const confirm = () =>
    A(tpl(c, say(c, AGENT_CONFIRM), { A: label.amount ? amountPieces(c, label.amount, false) : [], D: '' }));

  switch (promiseKind) {
    case 'statement':
      if (chance(c, 0.4)) middle.push(A(text(say(c, ASK_PAY))));
      middle.push(commitTurn());
      label.promised = true;
      if (chance(c, 0.5)) middle.push(A(text(say(c, AGENT_ACK).replace(/\.$/, '.'))));
      break;
    case 'declined_then_commit': {
      const p = proposeTurn();
      middle.push(p.turn, C(text(say(c, DECLINE))));
      middle.push(
        A(text(c.lang === 'es' ? '¿Y entonces cuánto podría pagar?' : 'Okay, so what could you pay?')),
      );
      middle.push(commitTurn());
      label.promised = true;
      break;
    }
    case 'accept': {
      const p = proposeTurn();
      middle.push(p.turn, C(text(say(c, ACCEPT))));
      label.promised = true;
      label.amount = p.value;
      label.date = p.date;
      middle.push(confirm());
      break;
    }
    case 'answer': {
      const value = payAmount();
      const date = futureDate(c);
      middle.push(
        A(text(say(c, ASK_PAY))),
        C(tpl(c, say(c, ANSWER_PAY), { A: amountPieces(c, value, true), D: date.text })),
      );
      label.promised = true;
      label.amount = value;
      label.date = date.iso;
      middle.push(confirm());
      break;
    }
    case 'retracted':
      middle.push(commitTurn());
      if (chance(c, 0.5)) middle.push(A(text(c.lang === 'es' ? 'Perfecto.' : 'Perfect.')));
      middle.push(C(text(say(c, RETRACT))));
      middle.push(
        A(
          text(
            c.lang === 'es'
              ? 'Entiendo, quedamos pendientes entonces.'
              : 'Understood, we will follow up then.',
          ),
        ),
      );
      break;
    case 'listen':
      break;
    case 'proposal_declined': {
      const p = proposeTurn();
      middle.push(p.turn, C(text(say(c, DECLINE))));
      break;
    }
    default: {
      if (promiseKind === 'refusal' && chance(c, 0.4)) middle.push(proposeTurn().turn);
      else if (chance(c, 0.4)) middle.push(A(text(say(c, ASK_PAY))));
      const date = futureDate(c);
      middle.push(
        C(
          tpl(c, say(c, NEGATIVE[promiseKind]), {
            A: amountPieces(c, payAmount(), false),
            D: date.text,
            P: pastTime(c),
          }),
        ),
      );
    }
  }
  if (!label.promised) {
    label.amount = null;
    label.date = null;
  }

  const closing: Turn[] = [];
  if (withCard) closing.push(A(text(say(c, CARD_ASK))), C(cardPieces(c)), A(text(say(c, CARD_AFTER))));
  closing.push(A(text(say(c, CLOSING))), C(text(say(c, CLOSING_REPLY))));
  return { opening, middle, closing, label };
}

function applyNoise(c: Ctx, turns: Turn[], level: NoiseName): Turn[] {
  const protect = new Set<string>();
  return turns.map((turn) => ({
    ...turn,
    pieces: turn.pieces.map((p) => {
      if ('br' in p) return p;
      if (level === 'clean') return p;
      if (p.mark) return { ...p, t: p.t.toLowerCase() };
      let t = p.t;
      for (const [re, to] of CONFUSIONS[c.lang]) {
        re.lastIndex = 0;
        if (re.test(t) && chance(c, level === 'high' ? 0.5 : 0.25)) t = t.replace(re, to);
      }
      return { t: noisy(c.r, c.lang, t, NOISE[level], protect) };
    }),
  }));
}

function layOut(c: Ctx, turns: Turn[]) {
  const segments: CallCase['segments'] = [];
  const pii: CallCase['pii'] = [];
  const amounts: LabelledSpan[] = [];
  let noticeAt: number | null = null;
  let t = intIn(c, 300, 2500);
  const first = t;
  const wps = { agent: 2.4 + c.r() * 0.7, customer: 2.1 + c.r() * 0.8 };
  for (const turn of turns) {
    const groups: Piece[][] = [[]];
    for (const p of turn.pieces) {
      if ('br' in p) groups.push([]);
      else groups.at(-1)!.push(p);
    }
    for (const [gi, group] of groups.entries()) {
      let text = '';
      const marks: { p: Said; start: number; end: number }[] = [];
      for (const p of group as Said[]) {
        const piece = p.t.trim();
        if (!piece) continue;
        if (text && !/^[.,;:?!]/.test(piece)) text += ' ';
        const start = text.length;
        text += piece;
        if (p.mark) marks.push({ p, start, end: text.length });
      }
      text = text.replace(/\s+([.,;:?!])/g, '$1');
      if (!text.trim()) continue;
      const words = text.split(/\s+/).length;
      const dur = Math.max(700, Math.round((words / wps[turn.party]) * 1000));
      const index = segments.length;
      if (turn.notice && gi === 0 && noticeAt === null) noticeAt = t - first;
      segments.push({
        party: turn.party,
        channel: turn.party === 'agent' ? 0 : 1,
        startMs: t,
        endMs: t + dur,
        text,
      });
      for (const m of marks) {
        const at = text.indexOf(m.p.t.trim(), Math.max(0, m.start - 2));
        const span = { segmentIndex: index, start: at, end: at + m.p.t.trim().length, text: m.p.t.trim() };
        if (m.p.mark === 'pii') pii.push({ ...span, type: m.p.type! });
        else amounts.push(span);
      }
      t += dur + (gi < groups.length - 1 ? intIn(c, 80, 300) : intIn(c, 200, 900));
    }
  }
  return { segments, pii, amounts, noticeAt };
}

function callDay(c: Ctx): { day: Day; startedAt: string } {
  for (;;) {
    const day = { y: 2025, m: intIn(c, 1, 11), d: intIn(c, 1, 28) };
    if (weekday(day) === 0) continue;
    const [winter, summer] = LOCALE[c.locale].utc;
    const off = day.m >= 4 && day.m <= 10 ? summer : winter;
    const sign = off < 0 ? '-' : '+';
    const hh = String(intIn(c, 8, 18)).padStart(2, '0');
    const mm = String(intIn(c, 0, 59)).padStart(2, '0');
    return {
      day,
      startedAt: `${iso(day)}T${hh}:${mm}:00${sign}${String(Math.abs(off)).padStart(2, '0')}:00`,
    };
  }
}

function buildOne(seed: number, split: Split, locale: Locale): Omit<CallCase, 'id'> {
  const r = rng(seed);
  const { lang, currency, profile } = LOCALE[locale];
  const c: Ctx = { r, split, locale, lang, today: { y: 2025, m: 1, d: 1 }, vars: {} };
  const { day, startedAt } = callDay(c);
  c.today = day;
  const company = pick(r, COMPANIES[locale]);
  c.vars = {
    cust: pick(r, CUSTOMERS[locale]),
    agent: pick(r, AGENTS[lang]),
    company,
    n: chance(c, 0.5) ? String(intIn(c, 2, 12)) : numberWords(lang, intIn(c, 2, 12)),
    days: chance(c, 0.6) ? String(intIn(c, 15, 180)) : numberWords(lang, pick(r, [30, 45, 60, 90, 120])),
    pct: String(pick(r, [10, 15, 20, 25, 30, 40, 50, 60])),
    age: String(intIn(c, 62, 84)),
  };
  const promiseKind = weighted(c, PROMISE_MIX);
  const noticeKind = weighted(c, NOTICE_MIX);
  const noise = weighted<NoiseName>(c, { clean: 25, low: 30, medium: 30, high: 15 });
  const parts = compose(c, promiseKind, noticeKind, chance(c, 0.45), chance(c, 0.15));
  let turns = [...parts.opening, ...parts.middle, ...parts.closing];
  let laid = layOut(c, applyNoise(c, turns, noise));
  if (noticeKind === 'late') {
    // the notice comes after the customer has talked at length: at least a minute into the conversation
    const late: Turn[] = [];
    const notice: Turn = { party: 'agent', pieces: tpl(c, say(c, NOTICE)), notice: true };
    const talk = shuffle(r, wordings(SMALL_TALK, locale));
    for (let k = 0; k < talk.length; k++) {
      late.push(
        { party: 'customer', pieces: tpl(c, talk[k]!) },
        { party: 'agent', pieces: tpl(c, say(c, AGENT_ACK)) },
      );
      turns = [
        ...parts.opening,
        ...parts.middle.slice(0, 2),
        ...late,
        notice,
        ...parts.middle.slice(2),
        ...parts.closing,
      ];
      laid = layOut(c, applyNoise(c, turns, noise));
      if ((laid.noticeAt ?? 0) >= 60_000) break;
    }
  }
  const outcome: NoticeOutcome =
    noticeKind === 'on_time' ? 'on_time' : noticeKind === 'late' ? 'late' : 'missing';
  if (outcome === 'on_time' && (laid.noticeAt ?? Infinity) > 20_000) throw new Error('notice not early');
  if (outcome === 'late' && (laid.noticeAt ?? 0) < 60_000) throw new Error('notice not late');
  return {
    split,
    language: lang,
    locale,
    profile,
    startedAt,
    currency,
    noise,
    scenario: { promise: promiseKind, notice: noticeKind },
    segments: laid.segments,
    promise: {
      ...parts.label,
      currency: parts.label.promised && parts.label.amount !== null ? currency : null,
    },
    notice: { outcome, atMs: outcome === 'missing' ? null : laid.noticeAt },
    pii: laid.pii,
    amounts: laid.amounts,
  };
}

/** How many calls of each locale go to each split. */
const PLAN: [Locale, Split, number][] = [
  ['co', 'dev', 120],
  ['mx', 'dev', 100],
  ['es', 'dev', 80],
  ['us-es', 'dev', 30],
  ['us', 'dev', 120],
  ['co', 'test', 45],
  ['mx', 'test', 40],
  ['es', 'test', 35],
  ['us-es', 'test', 10],
  ['us', 'test', 60],
];

export function buildCalls(): CallCase[] {
  const out: CallCase[] = [];
  let seed = 140_000;
  for (const [locale, split, n] of PLAN) {
    for (let i = 1; i <= n; i++) {
      let call: Omit<CallCase, 'id'> | undefined;
      while (!call) {
        try {
          call = buildOne(seed++, split, locale);
        } catch {
          // a draw whose timing does not fit its label is drawn again
        }
      }
      out.push({ id: `call-${locale}-${split}-${String(i).padStart(3, '0')}`, ...call });
    }
  }
  return out;
}
