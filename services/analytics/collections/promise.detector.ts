import { callCountry } from '../call-country.ts';
import type { PhraseMatch } from '../matching/phrase.matcher.ts';
import type { PhraseRegistry } from '../matching/phrase.registry.ts';
import type { PreparedTranscript, Stream, Token } from '../matching/prepared-transcript.ts';
import type { CallContext, Evidence, Language } from '../matching/transcript.types.ts';
import { findNumbers, parseNumberAt } from '../matching/numbers.ts';
import { foldLower, soundKey } from '../text/index.ts';
import { extractAmounts, pickAmount, type Amount } from './amount.extractor.ts';
import { isoDate, localDateTime, type CalendarDate } from './calendar.ts';
import { EN_WEEKDAYS, ES_WEEKDAYS, findDates, type DateMention } from './date.resolver.ts';
import { detectPii, type PiiSpan } from '../pii/pii.detector.ts';
import { PROMISE_PHRASE_LIST } from './promise.phrases.ts';

/**
 * Promise-to-pay detection. A promise is the customer's commitment to pay an amount and/or on a date: a customer
 * clause that commits ("el viernes le pago doscientos mil", "I'll send 150 dollars tomorrow"), a customer accepting
 * the agent's concrete proposal ("¿entonces el sábado abona cuatro mil doscientos?" — "sí ándale"), or a customer
 * answering the agent's "how much and when" with an amount. Not promises: hedges, conditions, refusals, payments
 * already made (or said with a past time), someone else paying, a commitment with neither amount nor date ("yo le
 * pago, no se preocupe"), the agent's offers and plans ("un acuerdo de pago a tres meses") however the customer
 * answers, a reply that only greets or listens ("sí, buenos días, dígame"), and a promise the customer later takes
 * back ("pensándolo bien, mejor no"). Numbers that are durations, counts, ages, percentages or days past due are
 * never amounts (amount.extractor.ts). Amounts and dates are normalised (number words, currency, dates resolved
 * against the call's local date).
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

const BLOCKERS = new Set(['hedge', 'condition', 'refuse', 'past', 'other_payer', 'retract']);
/** A clause opening with these goes on from the one before ("…, entonces sí le abono", "…, then I'll pay"). */
const THEN_WORDS = new Set(['entonces', 'then', 'ahi']);
/** Words of an agent turn that offers a plan or a discount rather than proposing one payment. */
const OFFER_WORDS: Record<Language, Set<string>> = {
  es: new Set([
    'ofrecer',
    'ofrecemos',
    'ofrezco',
    'ofrece',
    'opcion',
    'prefiere',
    'prefieres',
    'plan',
    'campana',
    'descuento',
    'cuotas',
    'plazos',
    'refinanciacion',
    'refinanciar',
    'convenio',
    'fraccionar',
    'diferir',
    'condonamos',
    'mensualidades',
    'quincenas',
    'dividimos',
    'dividir',
    'pagos',
    'parcialidades',
    'exhibicion',
    'liquidacion',
    'programa',
  ]),
  en: new Set([
    'offer',
    'offering',
    'plan',
    'program',
    'settlement',
    'settle',
    'split',
    'percent',
    'waive',
    'installments',
    'installment',
    'hardship',
    'months',
    'monthly',
    'lump',
    'options',
    'prefer',
    'payments',
  ]),
};
/** Words of an agent turn that states the debt ("su saldo pendiente es de…"): an amount there is no proposal. */
const DEBT_WORDS: Record<Language, Set<string>> = {
  es: new Set([
    'saldo',
    'salvo',
    'deuda',
    'mora',
    'pendiente',
    'vencido',
    'adeudo',
    'atraso',
    'retraso',
    'debe',
    'obligacion',
    'total',
    'monto',
    'ponerse',
  ]),
  en: new Set([
    'balance',
    'owe',
    'owed',
    'due',
    'delinquent',
    'behind',
    'past',
    'total',
    'missed',
    'late',
    'overdue',
  ]),
};
/**
 * Words of an agent turn that state when a payment falls due or is collected by itself ("su cuota … vence el
 * viernes", "el recibo se le cargará el día 5", "your payment … is due on the 15th"): a schedule read out, not a proposal, unless the agent asks for the payment (REQUEST_WORDS).
 */
const DUE_WORDS: Record<Language, Set<string>> = {
  es: new Set([
    'vence',
    'vencen',
    'vencimiento',
    'limite',
    'corte',
    'cargara',
    'cargaran',
    'domiciliado',
    // "le recuerdo: mil trescientos ochenta pesos, viernes 28"
    'recuerdo',
    'recordamos',
    'recordarle',
  ]),
  en: new Set(['due', 'deadline', 'remind', 'reminder']),
};
/** The pronoun before "parece" that makes it ask ("¿le parece?", "¿te parece bien?"). */
const ASKING_PRONOUNS = new Set(['le', 'te', 'les']);
const REQUEST_WORDS: Record<Language, Set<string>> = {
  es: new Set(['puede', 'podria', 'pueden', 'podemos', 'parece', 'propongo', 'sirve', 'viene']),
  en: new Set(['can', 'could', 'would', 'how', 'will']),
};
/**
 * Words of an agent turn that arranges a call back ("la llamo el lunes", "le marcamos mañana", "I'll call you next
 * week"): its date is the call's, not a payment's, unless the turn speaks of paying too (PAY_WORDS).
 */
const CALLBACK_WORDS: Record<Language, Set<string>> = {
  es: new Set([
    'llamo',
    'llamamos',
    'llamare',
    'llamaremos',
    'llamaria',
    'marco',
    'marcamos',
    'marcare',
    'marcaremos',
    'contacto',
    'contactamos',
    'comunicamos',
    'devolvemos',
    'regresamos',
    'llamar',
    'llamarlo',
    'llamarla',
    'llamarle',
    'vuelvo',
    'volvemos',
    'marcar',
    'marcarle',
    'contactar',
    'contactarlo',
    'contactarla',
  ]),
  en: new Set(['call', 'reach', 'contact', 'follow']),
};
const PAY_WORDS: Record<Language, Set<string>> = {
  es: new Set([
    'pago',
    'pagar',
    'paga',
    'abono',
    'abonar',
    'abona',
    'consigna',
    'consignar',
    'consignacion',
    'deposito',
    'depositar',
    'deposita',
    'transferencia',
    'cuota',
    'compromiso',
  ]),
  en: new Set(['pay', 'payment', 'paying', 'send', 'sending']),
};
const NOT_WORDS = new Set(['not', 'no', 'ni']);
/** Words of an agent turn that reads back a payment already received. */
const RECEIVED_WORDS: Record<Language, Set<string>> = {
  es: new Set(['recibimos', 'recibido', 'reflejado', 'reporta', 'reporto', 'constancia']),
  en: new Set(['posted', 'received', 'applied', 'cleared', 'came', 'processed', 'went']),
};
/**
 * Third-person forms of the paying verbs ("mi hijo … él les paga", "ella le consigna"): someone else pays. A
 * commitment phrase matched through one of them (the stems are the same) is not the customer's.
 */
const THIRD_PERSON_PAY = new Set([
  'paga',
  'pagan',
  'consigna',
  'consignan',
  'abona',
  'abonan',
  'deposita',
  'depositan',
  'transfiere',
  'transfieren',
  'manda',
  'mandan',
  'envia',
  'envian',
  'cancela',
  'cancelan',
  'liquida',
  'liquidan',
  'gira',
  'giran',
]);
/** First-person present forms of the paying verbs: never written with an accent ("depósito" is the noun, "pagó" the past). */
const FIRST_PERSON_PAY = new Set([
  'pago',
  'consigno',
  'abono',
  'deposito',
  'transfiero',
  'mando',
  'cancelo',
  'liquido',
  'giro',
]);
/** What a customer gives or sends that is not a payment ("le doy el celular", "I'll send you a photo"). */
const NOT_MONEY: Record<Language, Set<string>> = {
  es: new Set([
    'celular',
    'numero',
    'telefono',
    'correo',
    'datos',
    'informacion',
    'referencia',
    'direccion',
    'nombre',
    'whatsapp',
    'foto',
    'comprobante',
    'recibo',
    'ticket',
    'documento',
    'documentos',
    'soporte',
    'pantallazo',
    'carta',
    'cartas',
    'copia',
    'constancia',
    'papeles',
  ]),
  en: new Set([
    'receipt',
    'photo',
    'picture',
    'info',
    'information',
    'email',
    'number',
    'address',
    'copy',
    'documents',
    'letter',
    'screenshot',
    'proof',
  ]),
};
/** Words that make a paying verb a habit ("siempre pago puntual"). */
const HABITUAL = new Set([
  'siempre',
  'normalmente',
  'nunca',
  'generalmente',
  'cada',
  'always',
  'usually',
  'normally',
  'never',
]);
/** Words of an agent turn about a receipt or proof of a payment made ("¿qué fecha e importe pone el justificante?"). */
const RECEIPT_WORDS = new Set(['justificante', 'recibo', 'comprobante', 'ticket', 'voucher', 'receipt']);
const PHOTO_WORDS = new Set(['foto', 'photo', 'picture', 'screenshot', 'pantallazo']);
const READS_WORDS = new Set(['pone', 'dice', 'says', 'shows', 'sale', 'aparece']);

/** The agent asks for a photo of a receipt or what a receipt says: a payment made, not one proposed. */
function aboutReceipt(window: readonly Token[]): boolean {
  return window.some((t, i) => {
    if (PHOTO_WORDS.has(t.norm)) return true;
    if (!RECEIPT_WORDS.has(t.norm)) return false;
    for (let k = Math.max(0, i - 3); k <= i + 3 && k < window.length; k++) {
      if (READS_WORDS.has(window[k]!.norm)) return true;
    }
    return false;
  });
}

/** Whom a customer pays when it is not the creditor: the landlord, the school, the plumber, the rent. */
const OTHER_PAYEES = new Set([
  'mercado',
  'servicios',
  'gas',
  'internet',
  'bills',
  'groceries',
  'utilities',
  'arrendador',
  'casero',
  'fontanero',
  'plomero',
  'colegio',
  'colegiatura',
  'escuela',
  'arriendo',
  'alquiler',
  'renta',
  'hipoteca',
  'luz',
  'agua',
  'landlord',
  'rent',
  'mortgage',
  'plumber',
  'tuition',
]);
/** Words of an agent asking the customer to take what was offered ("¿le parece bien?", "does that work for you?"). */
const ASKS_TO_ACCEPT = new Set(['parece', 'sirve', 'conviene', 'acepta', 'work', 'works', 'sound', 'sounds']);

/** Words of thanks: a short reply with them acknowledges what was said ("ok, gracias", "okay thanks"). */
const THANKS = new Set(['gracias', 'thanks', 'thank']);
/** "Sí, sí, ya entendí", "understood": what the agent said was heard, nothing was agreed. */
const UNDERSTOOD = new Set(['entendi', 'entiendo', 'entendido', 'understood', 'understand']);

/**
 * "Okay, thanks", "Va, gracias", "Sí, eso ya lo sé": a short reply that thanks for or already knows what the agent
 * said acknowledges it; it accepts nothing.
 */
function acknowledges(tokens: readonly Token[], clause: { start: number; end: number }): boolean {
  const words = tokens.slice(clause.start, clause.end).map((t) => t.norm);
  if (words.length > 6) return false;
  if (words.some((w) => THANKS.has(w) || UNDERSTOOD.has(w))) return true;
  const text = words.join(' ');
  return text.includes('ya lo se') || text.includes('i know') || text.includes('got it');
}

/** English modal verbs: what follows them is not done yet. */
const ENGLISH_MODALS = new Set(['can', 'could', 'will', 'would', 'll', 'shall', 'gonna']);

/**
 * English subjects that make a paying verb someone else's ("he'd pay the rest", "my husband will send it", "she's
 * sending it" as a recognizer writes it, "can you send me the details?").
 */
const OTHER_SUBJECTS_EN = new Set([
  'he',
  'she',
  'they',
  'shes',
  'hes',
  'theyre',
  'you',
  'husband',
  'wife',
  'son',
  'daughter',
  'mother',
  'father',
  'mom',
  'dad',
  'brother',
  'sister',
  'boyfriend',
  'girlfriend',
  'partner',
]);
/** Words between an English subject and its paying verb ("he will probably pay"). */
const AUX_EN = new Set([
  'will',
  'would',
  'can',
  'could',
  'shall',
  'should',
  'going',
  'gonna',
  'to',
  'is',
  'are',
  'also',
  'just',
  'then',
  'probably',
  'said',
  'says',
]);
/**
 * After "si" (accents lost, as a recognizer often writes it): a clitic and a verb of paying or agreeing read as
 * "sí, le pago" (yes); a clitic and any other verb as "if" ("si me ingresan la nómina…", "si le sale el contrato…").
 */
const IF_CLITICS = new Set(['me', 'le', 'les', 'nos', 'te']);
const YES_AFTER_SI_CLITIC = new Set([
  ...FIRST_PERSON_PAY,
  'envio',
  'doy',
  'pagaria',
  'comprometo',
  'voy',
  'vamos',
  'puedo',
  'podemos',
  'parece',
  'confirmo',
  'permite',
  'entiendo',
  'escucho',
  'queda',
  'sirve',
  'hago',
  'haria',
  'cumplo',
  'dejo',
  'aseguro',
  'prometo',
  'digo',
]);

/** YES_AFTER_SI_CLITIC by sound, as a recognizer spells them ("si me parese bien"). */
const YES_AFTER_SI_CLITIC_KEYS = new Set([...YES_AFTER_SI_CLITIC].map((w) => soundKey(w, 'es')));

/** A reply that greets or listens ("sí, buenos días, dígame", "yes, go ahead") accepts nothing. */
const LISTENING: Record<Language, string[][]> = {
  es: [
    ['digame'],
    ['mande'],
    ['escucho'],
    ['quien'],
    ['parte'],
    ['orden'],
    ['aja'],
    ['buenos', 'dias'],
    ['buenas'],
    ['ya', 'se'],
    ['yo', 'se'],
    ['gracias', 'por', 'avisar'],
  ],
  en: [
    ['go', 'ahead'],
    ['who'],
    ['speaking'],
    ['uh', 'huh'],
    ['hear', 'you'],
    ['good', 'morning'],
    ['hello'],
    ['i', 'know'],
  ],
};
const PAST_WORDS: Record<Language, Set<string>> = {
  es: new Set(['ayer', 'antier', 'anteayer', 'antenoche']),
  en: new Set(['yesterday', 'ago']),
};
const PAST_UNITS = new Set(['semana', 'mes', 'ano', ...Object.keys(ES_WEEKDAYS)]);
const EN_LAST = new Set(['week', 'month', 'year', 'night', ...Object.keys(EN_WEEKDAYS)]);
/** "and"/"y" starts a new clause when a subject or a clitic follows ("…on Wednesday and I will send"). */
const AND_BEFORE: Record<Language, { and: string; next: Set<string> }> = {
  es: { and: 'y', next: new Set(['yo', 'le', 'les', 'se', 'ahi', 'entonces']) },
  en: { and: 'and', next: new Set(['i', 'we', 'then']) },
};
const CLAUSE_BREAKS: Record<Language, Set<string>> = {
  es: new Set(['pero', 'aunque', 'sino', 'porque']),
  en: new Set(['but', 'although', 'though', 'so', 'because']),
};
const NOUN_BEFORE_PAY = new Set([
  'to',
  'the',
  'a',
  'my',
  'your',
  'of',
  'minimum',
  'monthly',
  'next',
  'first',
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
  'proximo',
  'siguiente',
  'ultimo',
  'last',
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
  const tokens = stream.tokens;
  const norms = tokens.map((t) => t.norm);
  const and = AND_BEFORE[language];
  let start = 0;
  tokens.forEach((t, i) => {
    if (i <= start) return;
    if (CLAUSE_BREAKS[language].has(t.norm) || (t.norm === and.and && and.next.has(norms[i + 1] ?? ''))) {
      out.push({ stream: streamIndex, start, end: i });
      start = i + 1;
    } else if (t.segmentIndex !== tokens[i - 1]!.segmentIndex && !numberGoesOn(norms, i, language)) {
      // each ASR segment is its own clause, unless a number runs on across the cut ("two hundred | fifty")
      out.push({ stream: streamIndex, start, end: i });
      start = i;
    }
  });
  if (start < tokens.length) out.push({ stream: streamIndex, start, end: tokens.length });
  return out;
}

/** A number read across the boundary before token i: the number starting a little earlier runs past it. */
function numberGoesOn(norms: readonly string[], i: number, language: Language): boolean {
  for (let k = Math.max(0, i - 4); k < i; k++) {
    const n = parseNumberAt(norms, k, language);
    if (n && n.end > i) return true;
  }
  return false;
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

/** What every clause of a call is read with: the call's local date, and the numbers that are sensitive data. */
interface Reading {
  today: CalendarDate;
  /** A token of a card, identity or phone number (never part of an amount). */
  sensitive: (t: Token) => boolean;
}

interface Details {
  amount?: Amount;
  date?: { mention: DateMention; text: string };
}

/** Details already worked out in this call, per token list and range (an agent turn answered by several replies). */
type DetailsMemo = WeakMap<readonly Token[], Map<number, Details>>;

function details(
  prepared: PreparedTranscript,
  tokens: readonly Token[],
  from: number,
  to: number,
  ctx: CallContext,
  reading: Reading,
  memo?: DetailsMemo,
): Details {
  if (to <= from) return {};
  if (memo === undefined) return detailsOf(prepared, tokens, from, to, ctx, reading);
  let byRange = memo.get(tokens);
  if (byRange === undefined) memo.set(tokens, (byRange = new Map()));
  const at = from * 0x100000 + to;
  let found = byRange.get(at);
  if (found === undefined) byRange.set(at, (found = detailsOf(prepared, tokens, from, to, ctx, reading)));
  return found;
}

function detailsOf(
  prepared: PreparedTranscript,
  tokens: readonly Token[],
  from: number,
  to: number,
  ctx: CallContext,
  reading: Reading,
): Details {
  const slice = withoutSoftFillers(tokens.slice(from, to), prepared.language);
  const norms = slice.map((t) => t.norm);
  // "not today", "no el viernes": a day ruled out is no date of the payment
  const dates = findDates(norms, prepared.language, reading.today).filter(
    (d) => !NOT_WORDS.has(norms[d.start - 1] ?? ''),
  );
  const inDate = (i: number) => dates.some((d) => i >= d.start && i < d.end);
  // the digits of a phone, card or identity number are never an amount ("it's (412) 555-0187")
  const amounts = extractAmounts(slice, prepared.segments, prepared.language, {
    accountCurrency: ctx.currency ?? null,
    country: callCountry(ctx),
    exclude: (i) => inDate(i) || reading.sensitive(slice[i]!),
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

export interface PromiseOptions {
  /** The call's sensitive spans (detectPii), when already found; found here otherwise. */
  sensitive?: readonly PiiSpan[];
}

export function detectPromises(
  phrases: PhraseRegistry,
  prepared: PreparedTranscript,
  ctx: CallContext,
  options: PromiseOptions = {},
): PromiseResult {
  const language = prepared.language;
  const local = localDateTime(ctx.startedAt, ctx.timeZone, callCountry(ctx));
  const reading: Reading = {
    today: { year: local.year, month: local.month, day: local.day },
    sensitive: sensitiveTokens(options.sensitive ?? detectPii(prepared)),
  };
  const matches = phrases
    .matches(prepared, PROMISE_PHRASE_LIST.namespace)
    .filter((m) => !misreadBlocker(prepared, m));
  const byStream = new Map<number, PhraseMatch[]>();
  for (const m of matches) {
    const l = byStream.get(m.streamIndex);
    if (l) l.push(m);
    else byStream.set(m.streamIndex, [m]);
  }
  let promises: PaymentPromise[] = [];
  const memo: DetailsMemo = new WeakMap();
  const streams = prepared.streams;
  let line: Timeline | undefined;
  const timeline = () => (line ??= timelineOf(streams));
  streams.forEach((stream, si) => {
    if (stream.party !== 'customer' && stream.party !== 'unknown') return;
    // "ese sí lo pago el 15 de julio" — "el pago del carro es con otra entidad, aquí no quedaría ningún compromiso":
    // the agent's next turn says the payment named is to someone else
    let nextAgent = si + 1;
    while (nextAgent < streams.length && streams[nextAgent]!.party !== 'agent') nextAgent++;
    if ((byStream.get(nextAgent) ?? []).some((m) => m.phraseId === 'not_ours')) return;
    const inStream = byStream.get(si) ?? [];
    const replyAt = stream.tokens[0]?.startMs ?? 0;
    let reply: AgentTurn | undefined;
    const agentTurn = () =>
      (reply ??= agentTurnBefore(prepared, streams, timeline, si, replyAt, byStream, ctx, reading, memo));
    // a promise taken back ("pensándolo bien, mejor no") no longer stands; one about the rest ("lo de fin de mes no
    // le aseguro", an answer to "¿y los 3,420 restantes?") leaves the promise made for the part agreed
    const retraction = inStream.find(
      (m) =>
        m.phraseId === 'retract' && !aboutTheRest(stream.tokens, m, () => agentTurn(), promises, language),
    );
    if (retraction) promises = [];
    const clauses = clausesOf(stream, si, language).filter(
      (c) => !retraction || c.start >= retraction.endToken,
    );
    const blocked = clauses.map(
      (c) =>
        inStream.some((m) => BLOCKERS.has(m.phraseId) && m.startToken >= c.start && m.startToken < c.end) ||
        saysPastTime(stream.tokens, c.start, c.end, language) ||
        (language === 'es' && saysIf(prepared, stream.tokens, c.start, c.end)),
    );
    // "si me pagan la quincena completa, porque …, entonces sí le abono los mil": the clause a condition of the same
    // turn leads to
    for (let ci = 1; ci < clauses.length; ci++) {
      const c = clauses[ci]!;
      const segment = stream.tokens[c.start]!.segmentIndex;
      let then = false;
      for (let k = c.start; k < c.end && !then; k++) then = THEN_WORDS.has(stream.tokens[k]!.norm);
      if (!then) continue;
      for (let p = ci - 1; p >= 0 && stream.tokens[clauses[p]!.start]!.segmentIndex === segment; p--) {
        const q = clauses[p]!;
        const conditioned =
          inStream.some(
            (m) => m.phraseId === 'condition' && m.startToken >= q.start && m.startToken < q.end,
          ) ||
          (language === 'es' && saysIf(prepared, stream.tokens, q.start, q.end));
        if (conditioned) blocked[ci] = true;
      }
    }
    const turnBlocked = blocked.some(Boolean);
    const listening = listensOnly(stream.tokens, language);
    let turnDetails: Details | undefined;
    const turn = () =>
      (turnDetails ??= mergeDetails(
        clauses
          // an amount asked back ("¿doscientos? … el martes pago") is not the one committed to
          .filter((c, i) => !blocked[i] && !asksBack(prepared, stream.tokens, c))
          .map((c) => details(prepared, stream.tokens, c.start, c.end, ctx, reading, memo)),
      ));
    clauses.forEach((clause, ci) => {
      if (blocked[ci]) return;
      const here = inStream.filter((m) => m.startToken >= clause.start && m.startToken < clause.end);
      const paying = (m: PhraseMatch) =>
        ownPayment(stream.tokens, m, language) &&
        !refusedAfter(stream.tokens, inStream, m) &&
        !negatedBefore(stream.tokens, m.startToken) &&
        !sendsWhatWasAsked(stream.tokens, m, agentTurn, language);
      const commit =
        here.some((m) => m.phraseId === 'commit' && paying(m)) ||
        here.some(
          (m) =>
            m.phraseId === 'bare_pay' &&
            isVerbUse(stream.tokens, m.startToken) &&
            saysIPay(stream.tokens[m.startToken]!, language) &&
            paying(m),
        );
      const first = ci === 0;
      const open = first && !turnBlocked && !listening;
      const acceptWord =
        open &&
        here.some((m) => m.phraseId === 'accept' && m.startToken <= clause.start + 2) &&
        !acknowledges(stream.tokens, clause) &&
        agentTurn().proposal;
      if (!commit && !acceptWord && !(open && agentTurn().asks)) return;
      // "Ok. Y el próximo pago, ¿cuándo es?": a reply that asks back accepts nothing
      if (!commit && acceptWord && asksBack(prepared, stream.tokens, clause)) return;
      const { proposal, agent, prevAgent, agentStart, agentEnd } = agentTurn();
      const d = details(prepared, stream.tokens, clause.start, clause.end, ctx, reading, memo);
      let kind: PaymentPromise['kind'];
      let amount: Amount | undefined;
      let date: Details['date'];
      if (commit) {
        kind = 'statement';
        // the agent's figures are the customer's only when nothing in the reply hedges or conditions them
        // and the reply agrees to them ("sí, le pago"): "I'll pay it, don't worry about it" takes no figure
        const agrees = inStream.some((m) => m.phraseId === 'accept' && m.startToken <= 2);
        const borrow = proposal && !turnBlocked && agrees;
        amount = d.amount ?? turn().amount ?? (borrow ? agent().amount : undefined);
        date = d.date ?? turn().date ?? (borrow ? agent().date : undefined);
        // "yo le pago, no se preocupe": a commitment with neither amount nor date is not a promise
        if (!amount && !date) return;
      } else if (acceptWord) {
        kind = 'acceptance';
        amount = d.amount ?? agent().amount;
        date = d.date ?? agent().date;
        // what is accepted must name an amount or a day ("bueno, listo" to "lo llamo la próxima semana" is not)
        if (!amount && !date?.mention.date) return;
      } else {
        // an answer to "how much and when" must name the amount, one amount ("doce de seiscientos o nueve de
        // ochocientos" weighs two plans)
        // nor one asked back ("¿El 15 de julio, 240?"), nor one after a "no" ("Oh no, … I'm eighty-six")
        if (!d.amount || weighsAlternatives(stream.tokens, clause, language)) return;
        if (asksBack(prepared, stream.tokens, clause) || opensWithNo(stream.tokens, clause)) return;
        kind = 'answer';
        amount = d.amount;
        date = d.date ?? turn().date ?? (proposal ? agent().date : undefined);
      }
      const evidence = [evidenceOf(prepared, stream.tokens, clause.start, clause.end)];
      if (kind !== 'statement' && prevAgent && agentEnd > agentStart) {
        evidence.unshift(evidenceOf(prepared, prevAgent.tokens, agentStart, agentEnd));
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

/**
 * Blockers that the words around them undo: "sí puedo" / "eso si puedo" is yes, not "si puedo" (if I can), and "I
 * get paid on Friday" is a payday, not a payment made.
 */
function misreadBlocker(prepared: PreparedTranscript, m: PhraseMatch): boolean {
  const stream = prepared.streams[m.streamIndex];
  if (!stream) return false;
  const first = stream.tokens[m.startToken];
  const before = stream.tokens[m.startToken - 1]?.norm;
  if (m.phraseId === 'condition' && first?.norm === 'si') {
    const words = stream.tokens.slice(m.startToken, m.endToken + 2).map((t) => t.norm);
    return (
      first.surface.toLowerCase().startsWith('sí') ||
      before === 'eso' ||
      before === 'que' ||
      words.includes('parece')
    );
  }
  // "if it is okay with you", "si le parece", "si dios quiere": politeness, not a condition on the payment
  if (m.phraseId === 'condition' && (first?.norm === 'if' || first?.norm === 'si')) {
    const next = stream.tokens.slice(m.startToken + 1, m.startToken + 5).map((t) => t.norm);
    if (next.some((w) => POLITE_AFTER_IF.has(w))) return true;
  }
  // "¿Mil cuatrocientos? No… le puedo dar mil pesos": the "no" answers the question, a sentence before the verb
  if (m.phraseId === 'refuse' && first?.norm === 'no') {
    const next = stream.tokens[m.startToken + 1];
    if (
      next &&
      next.segmentIndex === first.segmentIndex &&
      /[.…!?]/.test(prepared.segments[first.segmentIndex]!.text.slice(first.end, next.start))
    )
      return true;
  }
  // "sí, mejor, si no es molestia": an "if" inside "mejor … no" is politeness, nothing is taken back
  if (m.phraseId === 'retract') {
    const inside = stream.tokens.slice(m.startToken + 1, m.endToken);
    if (inside.some((t) => t.norm === 'si' && !t.surface.toLowerCase().startsWith('sí'))) return true;
  }
  // "más no tengo", "no tengo más", "todo no puedo", "doscientos no me alcanzan": a limit on the amount, not a refusal
  if (m.phraseId === 'refuse') {
    const prev = stream.tokens[m.startToken - 1]?.norm ?? '';
    const next = stream.tokens[m.endToken + 1]?.norm ?? '';
    const first = stream.tokens[m.startToken]!;
    const before = stream.tokens[m.startToken - 1];
    // "no puedo pagar nada", "ni sesenta mil. No puedo…": a refusal of everything stays one
    const all = stream.tokens
      .slice(m.startToken, m.endToken + 4)
      .some((t) => t.norm === 'nada' || t.norm === 'nothing' || t.norm === 'anything');
    const joined =
      before !== undefined &&
      before.segmentIndex === first.segmentIndex &&
      !/[.!?…]/.test(prepared.segments[first.segmentIndex]!.text.slice(before.end, first.start));
    if (
      !all &&
      (LIMIT_WORDS.has(prev) ||
        LIMIT_WORDS.has(next) ||
        (joined && parseNumberAt([prev], 0, prepared.language) !== undefined))
    )
      return true;
  }
  // "lo de fin de mes no le aseguro", "el resto no lo puedo pagar": a hedge or refusal about the rest of the debt
  // leaves the part agreed
  if (
    (m.phraseId === 'hedge' || m.phraseId === 'refuse' || m.phraseId === 'retract') &&
    restBefore(stream.tokens, m)
  )
    return true;
  // "el 27 me pagan en el nuevo trabajo", "ya me pagan un trabajo": money coming in, not a payment made
  if (m.phraseId === 'past') {
    const words = stream.tokens.slice(m.startToken, m.endToken + 1).map((t) => t.norm);
    if (words.some((w, i) => (w === 'me' || w === 'nos') && /^pagan?$/.test(words[i + 1] ?? ''))) return true;
  }
  // "lo que no le sé decir es cuánto": the amount (or the day) is open, the payment is not hedged
  if (m.phraseId === 'hedge') {
    const next = stream.tokens.slice(m.endToken + 1, m.endToken + 6).map((t) => t.norm);
    if (next.includes('decir') && next.some((w) => OPEN_FIGURES.has(w))) return true;
  }
  // "pues cárguelo el 15, que es cuando tengo la nómina", "$500, dated the 28th. That's when I get my bonus": a
  // reason (indicative), not a condition
  if (m.phraseId === 'condition' && before === 'es') return true;
  if (
    m.phraseId === 'condition' &&
    first?.norm === 'when' &&
    (before === 'thats' || before === 'is' || before === 's')
  )
    return true;
  // "I just can't give you an exact date", "no le puedo dar una fecha exacta": the date is open, the payment is not refused
  if (m.phraseId === 'refuse') {
    const next = stream.tokens.slice(m.endToken + 1, m.endToken + 7).map((t) => t.norm);
    if (
      next.some((w) => w === 'date' || w === 'fecha' || w === 'day' || w === 'dia') &&
      next.some((w) => EXACT_WORDS.has(w))
    )
      return true;
  }
  if (m.phraseId === 'past' && prepared.language === 'en') {
    // "I can mail you a post dated check": a modal before the verb is no payment made
    return stream.tokens
      .slice(m.startToken, m.endToken + 1)
      .some((t) => t.norm === 'get' || t.norm === 'gets' || ENGLISH_MODALS.has(t.norm));
  }
  return false;
}

/** The figure a customer says they cannot give yet ("no le sé decir cuánto", "… qué día"). */
const OPEN_FIGURES = new Set(['cuanto', 'cifra', 'monto', 'cantidad']);
/** Words naming the rest of the debt ("lo de fin de mes", "los 3,420 restantes", "the rest"). */
const REST_WORDS = new Set(['resto', 'restante', 'restantes', 'demas', 'rest', 'remaining', 'remainder']);

/** The words just before a match name the rest of the debt ("lo de fin de mes no le aseguro", "el resto no…"). */
function restBefore(tokens: readonly Token[], m: PhraseMatch): boolean {
  const before = tokens.slice(Math.max(0, m.startToken - 6), m.startToken).map((t) => t.norm);
  return before.some((w) => REST_WORDS.has(w)) || before.join(' ').includes('lo de');
}

/** A retraction about the rest of the debt, not the payment agreed: "lo de fin de mes no le aseguro". */
function aboutTheRest(
  tokens: readonly Token[],
  m: PhraseMatch,
  agentTurn: () => AgentTurn,
  agreed: readonly PaymentPromise[],
  language: Language,
): boolean {
  if (restBefore(tokens, m)) return true;
  if (agreed.length === 0) return false;
  // the agent asked about the rest only ("¿y los $3,420 restantes?"), not restating the amount agreed
  const { prevAgent, agentStart, agentEnd } = agentTurn();
  if (!prevAgent) return false;
  const window = prevAgent.tokens.slice(agentStart, agentEnd);
  if (!window.some((t) => REST_WORDS.has(t.norm))) return false;
  const amounts = new Set(agreed.map((p) => p.amount?.value).filter((v) => v !== undefined));
  return !findNumbers(
    window.map((t) => t.norm),
    language,
  ).some((n) => amounts.has(n.value));
}

/** Words that make a refusal a limit on the amount ("todo no puedo", "no tengo más", "can't do the whole thing"). */
const LIMIT_WORDS = new Set([
  'mas',
  'todo',
  'completo',
  'completos',
  'completa',
  'total',
  'whole',
  'all',
  'full',
]);

/** A date asked for precisely ("an exact date", "una fecha fija"): not having one refuses nothing. */
const EXACT_WORDS = new Set(['exact', 'specific', 'set', 'exacta', 'fija', 'precisa', 'concreta']);

/** Words after "if"/"si" that make it politeness ("if that is okay", "si le parece", "si dios quiere"). */
const POLITE_AFTER_IF = new Set(['okay', 'ok', 'alright', 'fine', 'parece', 'dios']);

/** The details of several clauses: the first amount with its currency said (else the largest), the last date. */
function mergeDetails(list: readonly Details[]): Details {
  const amounts = list.map((d) => d.amount).filter((a): a is Amount => a !== undefined);
  const dates = list.map((d) => d.date).filter((d) => d !== undefined);
  return { amount: pickAmount(amounts), date: dates[dates.length - 1] };
}

/** A reply that only greets or listens: a listening word and no number or payment word. */
function listensOnly(tokens: readonly Token[], language: Language): boolean {
  const words = tokens.filter((t) => !t.filler);
  // as a recognizer writes them: by sound ("vuenos días") or glued to the word before ("diasdígame")
  const is = (t: Token | undefined, w: { norm: string; key: string }) =>
    t !== undefined &&
    (t.norm === w.norm || t.key === w.key || (w.norm.length >= 5 && t.norm.endsWith(w.norm)));
  return LISTENING_KEYS[language].some((seq) =>
    words.some((_, i) => seq.every((w, k) => is(words[i + k], w))),
  );
}

/** LISTENING with each word's sound key, worked out once. */
const LISTENING_KEYS: Record<Language, { norm: string; key: string }[][]> = {
  es: LISTENING.es.map((seq) => seq.map((norm) => ({ norm, key: soundKey(norm, 'es') }))),
  en: LISTENING.en.map((seq) => seq.map((norm) => ({ norm, key: soundKey(norm, 'en') }))),
};

/** The clause speaks of the past: "ayer", "la semana pasada", "hace tres días", "last week", "two weeks ago". */
function saysPastTime(tokens: readonly Token[], from: number, to: number, language: Language): boolean {
  for (let i = from; i < to; i++) {
    const w = tokens[i]!.norm;
    if (PAST_WORDS[language].has(w)) return true;
    if (language === 'es') {
      if ((w === 'pasado' || w === 'pasada') && i > from && PAST_UNITS.has(tokens[i - 1]!.norm)) return true;
      if (
        w === 'hace' &&
        i + 2 < to + 1 &&
        /^(dias|semanas|meses|anos|rato|poco)$/.test(tokens[i + 2]?.norm ?? '')
      )
        return true;
    } else if (w === 'last' && EN_LAST.has(tokens[i + 1]?.norm ?? '')) return true;
    // "I set up autopay on that account back in September"
    else if (w === 'back' && tokens[i + 1]?.norm === 'in' && EN_MONTH_OR_YEAR.test(tokens[i + 2]?.norm ?? ''))
      return true;
  }
  return false;
}
const EN_MONTH_OR_YEAR =
  /^(january|february|march|april|may|june|july|august|september|october|november|december|\d{4}|the)$/;

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

/**
 * Whether a paying phrase is the speaker's own payment: not a third-person form ("él les paga"), not an accented form
 * no first-person present has ("depósito", "pagó", "pagué"), not an English verb whose subject is someone else ("he'd
 * pay the rest").
 */
function ownPayment(tokens: readonly Token[], m: PhraseMatch, language: Language): boolean {
  // "Dice abono a crédito Elektra…", "it says payment received": a paper read out
  for (let k = Math.max(0, m.startToken - 3); k < m.startToken; k++) {
    if (tokens[k]!.norm === 'dice' || tokens[k]!.norm === 'says') return false;
  }
  // "le doy el celular de él", "I'll send you the receipt": something given that is not money
  for (let k = m.endToken + 1; k <= m.endToken + 3 && k < tokens.length; k++) {
    if (NOT_MONEY[language].has(tokens[k]!.norm)) return false;
  }
  // "yo siempre pago puntual", "normalmente pago como…", "I always pay": a habit, not a commitment
  for (let k = Math.max(0, m.startToken - 3); k <= m.endToken; k++) {
    if (HABITUAL.has(tokens[k]!.norm)) return false;
  }
  // "I pay eighty dollars every month", "pago cada mes", "todos los meses pago": a habit
  for (let k = m.endToken + 1; k <= m.endToken + 5 && k < tokens.length; k++) {
    const w = tokens[k]!.norm;
    if (w === 'every' || w === 'cada' || (w === 'todos' && tokens[k + 2]?.norm === 'meses')) return false;
  }
  // "le tengo que pagar al fontanero", "pay my rent": someone else is paid
  for (let k = m.endToken + 1; k <= m.endToken + 3 && k < tokens.length; k++) {
    if (OTHER_PAYEES.has(tokens[k]!.norm)) return false;
  }
  if (language === 'es') {
    for (let k = m.startToken; k <= m.endToken; k++) {
      const t = tokens[k]!;
      // a gerund is something going on ("estoy pagando como puedo"), a participle something done ("no hemos pagado
      // nada", "llevo pagados quince mil"), not a commitment
      if (
        (/(ando|ado|ados|ada|adas)$/.test(t.norm) || /^transf(erido|iriendo)$/.test(t.norm)) &&
        /^(pag|abon|consign|deposit|transfer|cancel|liquid)/.test(t.norm)
      )
        return false;
      // "el viernes se le consigna": impersonal, the speaker's own payment
      if (THIRD_PERSON_PAY.has(t.norm) && !impersonal(tokens, k)) return false;
      // an accent inside the word: the noun ("depósito"), never a verb form (a final one may be a recognizer's slip)
      if (FIRST_PERSON_PAY.has(t.norm) && /[áéíóú]./.test(t.surface.toLowerCase())) return false;
      // "yo consigné ese valor el lunes", "pagué": the past, written with its accent
      if (/^(pag|consign|abon|deposit|transfer|mand)/.test(t.norm) && /(é|í)$/.test(t.surface.toLowerCase()))
        return false;
    }
    return true;
  }
  // "so I pay half": the present simple, with no day after it, is what the speaker does, not what they promise
  if (tokens[m.startToken - 1]?.norm === 'i' && m.startToken === m.endToken) {
    let dated = false;
    for (let k = m.endToken + 1; k <= m.endToken + 4 && k < tokens.length; k++) {
      if (DAY_WORDS_EN.has(tokens[k]!.norm)) dated = true;
    }
    if (!dated) return false;
  }
  for (let k = m.startToken - 1, seen = 0; k >= 0 && seen < 4; k--, seen++) {
    const w = tokens[k]!.norm;
    if (AUX_EN.has(w)) continue;
    return !OTHER_SUBJECTS_EN.has(w);
  }
  return true;
}

/** Words of a day after an English verb ("I pay on Friday", "I send it tomorrow"). */
const DAY_WORDS_EN = new Set([
  'on',
  'today',
  'tomorrow',
  'tonight',
  'next',
  'this',
  'by',
  ...Object.keys(EN_WEEKDAYS),
]);

/**
 * "Yo quiero pagar, no quiero problemas con el banco, pero no puedo sacar dinero de donde no hay": a wish to pay
 * taken back a few words later by "pero" / "but" and a refusal.
 */
function refusedAfter(tokens: readonly Token[], inStream: readonly PhraseMatch[], m: PhraseMatch): boolean {
  return inStream.some(
    (r) =>
      r.phraseId === 'refuse' &&
      r.startToken > m.endToken &&
      r.startToken - m.endToken <= 15 &&
      (tokens[r.startToken - 1]?.norm === 'pero' || tokens[r.startToken - 1]?.norm === 'but'),
  );
}

/** "se" before the verb, or before its clitic ("se le paga", "se les consigna"): an impersonal form. */
function impersonal(tokens: readonly Token[], k: number): boolean {
  const before = tokens[k - 1]?.norm;
  if (before === 'se') return true;
  return (before === 'le' || before === 'les' || before === 'lo') && tokens[k - 2]?.norm === 'se';
}

/**
 * "si" read as "if" before a payment in the same clause: an unaccented "si", no comma after it, then a clitic and a
 * verb that is neither paying nor agreeing ("si me ingresan la nómina el 10, le pago"); "sí, le pago", "si le pago el
 * viernes" and "si me parece" read as yes.
 */
function saysIf(prepared: PreparedTranscript, tokens: readonly Token[], from: number, to: number): boolean {
  for (let i = from; i + 2 < to; i++) {
    const t = tokens[i]!;
    if (t.norm !== 'si' || t.surface.toLowerCase().startsWith('sí')) continue;
    const next = tokens[i + 1]!;
    if (!IF_CLITICS.has(next.norm) || next.segmentIndex !== t.segmentIndex) continue;
    if (/[,;:.!?]/.test(prepared.segments[t.segmentIndex]!.text.slice(t.end, next.start))) continue;
    if (!YES_AFTER_SI_CLITIC_KEYS.has(tokens[i + 2]!.key)) return true;
  }
  return false;
}

/** The agent asks whether the customer is sure of what they just said ("¿Está segura?", "are you sure?"). */
function asksIfSure(window: readonly Token[]): boolean {
  for (let k = 1; k < window.length; k++) {
    if (SURE.has(window[k]!.norm) && SURE_BEFORE.has(window[k - 1]!.norm)) return true;
  }
  return false;
}
const SURE = new Set(['segura', 'seguro', 'sure']);
const SURE_BEFORE = new Set(['esta', 'estas', 'you', 'completamente', 'totally']);

/** The reply opens with "no" ("Oh no, I don't handle the money", "No, no, eso no"). */
function opensWithNo(tokens: readonly Token[], clause: Clause): boolean {
  for (let k = clause.start; k < Math.min(clause.end, clause.start + 2); k++) {
    if (NO_WORDS.has(tokens[k]!.norm)) return true;
  }
  return false;
}
const NO_WORDS = new Set(['no', 'nope', 'nah']);

/** The clause ends in a question mark: the customer asks back. */
function asksBack(prepared: PreparedTranscript, tokens: readonly Token[], clause: Clause): boolean {
  const last = tokens[clause.end - 1];
  if (!last) return false;
  return /^\s*\?/.test(prepared.segments[last.segmentIndex]!.text.slice(last.end, last.end + 3));
}

/**
 * The bare verb is "I pay" itself, not a near form the matcher let through: "depositaron" (they deposited), "pagó"
 * (he paid: the accent a recognizer's text keeps is what tells it from "pago").
 */
function saysIPay(token: Token, language: Language): boolean {
  if (!BARE_PAY[language].has(token.norm)) return false;
  return language !== 'es' || !/ó$/i.test(token.surface);
}
const BARE_PAY: Record<Language, ReadonlySet<string>> = {
  es: new Set(['pago', 'consigno', 'abono', 'deposito']),
  en: new Set(['pay', 'send', 'transfer', 'wire']),
};

/** "pago" after an article or preposition is the noun ("el pago"), not "I pay". */
function isVerbUse(tokens: readonly Token[], i: number): boolean {
  const prev = tokens[i - 1]?.norm;
  return !prev || !NOUN_BEFORE_PAY.has(prev);
}

interface AgentTurn {
  prevAgent: Stream | undefined;
  agentStart: number;
  agentEnd: number;
  /** The agent proposed one concrete payment (amount and/or date), not a plan, a discount or the debt. */
  proposal: boolean;
  /** The agent asked how much or when (or proposed). */
  asks: boolean;
  agent: () => Details;
}

/** What the agent said just before a customer stream, as far as a promise needs it. */
function agentTurnBefore(
  prepared: PreparedTranscript,
  streams: readonly Stream[],
  line: () => Timeline,
  si: number,
  replyAt: number,
  byStream: ReadonlyMap<number, PhraseMatch[]>,
  ctx: CallContext,
  reading: Reading,
  memo: DetailsMemo,
): AgentTurn {
  const language = prepared.language;
  const answered = previousAgent(line(), si, replyAt);
  if (!answered)
    return {
      prevAgent: undefined,
      agentStart: 0,
      agentEnd: 0,
      proposal: false,
      asks: false,
      agent: () => ({}),
    };
  const prevAgent = streams[answered.index]!;
  const agentEnd = answered.end;
  const agentMatches = (byStream.get(answered.index) ?? []).filter(
    (m) => m.startToken < agentEnd && !aboutIdentity(prevAgent.tokens, m),
  );
  // what the reply answers: the agent's segment with the last proposal or question before it
  const lead = agentMatches.filter((m) => m.phraseId === 'proposal' || m.phraseId === 'ask').at(-1);
  const agentStart = segmentStart(prevAgent.tokens, lead ? lead.startToken : agentEnd - 1);
  const window = prevAgent.tokens.slice(agentStart, agentEnd);
  // an offer the agent asks the customer to take ("Le puedo ofrecer pagos de $85 al mes… ¿Le parece bien?") proposes
  const offers =
    window.some((t, i) => OFFER_WORDS[language].has(t.norm) && !billerCode(window, i)) &&
    !window.some((t) => ASKS_TO_ACCEPT.has(t.norm));
  const statesDebt = window.some((t) => DEBT_WORDS[language].has(t.norm));
  // "su cuota vence el viernes", "the next payment of $120 would be due May 3rd": a date read out, not proposed;
  // "… can you pay one fifty then?" asks (in English a request word asks only with "you" after it)
  // ("parece que el banco lo rechazó" states; "¿le parece?" asks)
  const requests = window.some(
    (t, i) =>
      REQUEST_WORDS[language].has(t.norm) &&
      (language === 'es'
        ? t.norm !== 'parece' || ASKING_PRONOUNS.has(window[i - 1]?.norm ?? '')
        : window[i + 1]?.norm === 'you'),
  );
  const schedule = window.some((t) => DUE_WORDS[language].has(t.norm)) && !requests;
  // a call-back, unless the turn is about a payment; a day said right after the call verb is the call's ("la
  // llamamos el 16 para confirmar", "le marco el viernes para saber cómo le llegó el pago")
  const callBack =
    window.some((t) => CALLBACK_WORDS[language].has(t.norm)) &&
    (!window.some((t) => PAY_WORDS[language].has(t.norm)) ||
      (callDated(window, language, reading) &&
        details(prepared, prevAgent.tokens, agentStart, agentEnd, ctx, reading, memo).amount === undefined));
  // "I do see a $300 payment posted today", "¿qué importe pone el justificante?", "queda la gestión sin compromiso":
  // a payment made, read back or asked about, or no agreement at all, proposes nothing and asks for nothing
  const received =
    window.some((t) => RECEIVED_WORDS[language].has(t.norm)) ||
    aboutReceipt(window) ||
    window.some((t, i) => t.norm === 'sin' && window[i + 1]?.norm === 'compromiso');
  // an offer is never a proposal: its amount and date are read only when asked for
  const agent = () => details(prepared, prevAgent.tokens, agentStart, agentEnd, ctx, reading, memo);
  let proposal = false;
  if (
    !offers &&
    !schedule &&
    !callBack &&
    !received &&
    !agentCondition(prepared, window, language) &&
    !asksIfSure(window) &&
    !answersCustomer(prepared, window)
  ) {
    const d = agent();
    const named = (d.amount !== undefined ? 1 : 0) + (d.date !== undefined ? 1 : 0);
    proposal =
      (lead?.phraseId === 'proposal' && named > 0 && (!statesDebt || d.date !== undefined)) ||
      (named === 2 && !statesDebt);
  }
  // a question that runs into the answered segment counts, even when it starts in the segment before
  const asks =
    proposal || (!received && agentMatches.some((m) => m.phraseId === 'ask' && m.endToken >= agentStart));
  return { prevAgent, agentStart, agentEnd, proposal, asks, agent };
}

/** How far after a call-back verb a day is the call's. */
const CALL_DATE_WINDOW = 4;

/** A day said right after a call-back verb: the day of the call (a payment's only when the turn names an amount). */
function callDated(window: readonly Token[], language: Language, reading: Reading): boolean {
  const norms = window.map((t) => t.norm);
  const dates = findDates(norms, language, reading.today);
  if (dates.length === 0) return false;
  for (let i = 0; i < norms.length; i++) {
    if (!CALLBACK_WORDS[language].has(norms[i]!)) continue;
    if (dates.some((d) => d.start > i && d.start <= i + CALL_DATE_WINDOW)) return true;
  }
  return false;
}

/** Every word of a call in time order, with the stream it belongs to: built once, searched per reply. */
interface Timeline {
  agent: { at: number; stream: number; token: number }[];
  other: { at: number; stream: number }[];
}

function timelineOf(streams: readonly Stream[]): Timeline {
  const agent: Timeline['agent'] = [];
  const other: Timeline['other'] = [];
  streams.forEach((s, k) =>
    s.tokens.forEach((t, i) => {
      if (s.party === 'agent') agent.push({ at: t.startMs, stream: k, token: i });
      else other.push({ at: t.startMs, stream: k });
    }),
  );
  agent.sort((a, b) => a.at - b.at || a.stream - b.stream || a.token - b.token);
  other.sort((a, b) => a.at - b.at);
  return { agent, other };
}

/** Index of the first entry with `at` greater than `ms` (entries sorted by `at`). */
function after(list: readonly { at: number }[], ms: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]!.at <= ms) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The agent speech a customer stream replies to: the agent stream with the last word said before the reply, and
 * how many of its tokens come before it; none when the customer already spoke in between.
 */
function previousAgent(line: Timeline, si: number, replyAt: number): { index: number; end: number } | null {
  const k = after(line.agent, replyAt) - 1;
  if (k < 0) return null;
  const last = line.agent[k]!;
  for (let j = after(line.other, last.at); j < line.other.length && line.other[j]!.at < replyAt; j++) {
    if (line.other[j]!.stream !== si) return null;
  }
  return { index: last.stream, end: last.token + 1 };
}

/**
 * The agent's turn puts a condition on what it says ("if the refund comes in sooner, you can pay online", "si no, lo
 * volvemos a llamar"): whatever the customer answers, nothing is agreed. Politeness ("if that works for you", "si
 * le parece", "si quiere") is no condition.
 */
function agentCondition(prepared: PreparedTranscript, window: readonly Token[], language: Language): boolean {
  for (let i = 0; i < window.length; i++) {
    const t = window[i]!;
    if (language === 'en' ? t.norm !== 'if' : t.norm !== 'si' || t.surface.toLowerCase().startsWith('sí'))
      continue;
    const next = window[i + 1];
    if (!next) continue;
    // "¿qué tal si hace un pago de…?", "¿le parece si…?": a proposal, not a condition
    let p = i - 1;
    while (p >= 0 && (window[p]!.filler || window[p]!.norm === 'este')) p--;
    const prev = window[p]?.norm;
    if (prev === 'tal' || prev === 'parece' || prev === 'about') continue;
    if (language === 'es') {
      if (!IF_FOLLOWERS_ES.has(next.norm)) continue;
      if (/[,;:.!?]/.test(prepared.segments[t.segmentIndex]!.text.slice(t.end, next.start))) continue;
    }
    const after = window.slice(i + 1, i + 5).map((w) => w.norm);
    if (!after.some((w) => POLITE_AFTER_IF.has(w) || POLITE_AGENT_IF.has(w))) return true;
  }
  return false;
}

/** What follows an agent's "si" when it means "if" ("si no…", "si el pago…", "si usted…", "si me…"). */
const IF_FOLLOWERS_ES = new Set([
  'no',
  'el',
  'la',
  'los',
  'las',
  'me',
  'le',
  'les',
  'nos',
  'usted',
  'ustedes',
  'mi',
  'su',
  'para',
  'paga',
  'pagan',
  'realiza',
  'hace',
  'cumple',
  'tiene',
  'aparece',
  'llega',
  'ya',
]);
/** An agent's "if" that only asks leave ("if that works for you", "si le parece", "si quiere", "si gusta"). */
const POLITE_AGENT_IF = new Set(['works', 'quiere', 'gusta', 'desea', 'permite', 'prefiere']);

/**
 * The agent's turn answers the customer's own question about the schedule ("¿y el próximo pago cuándo es?" — "el
 * 15 de mayo, por $2,000"): it informs, it proposes nothing.
 */
function answersCustomer(prepared: PreparedTranscript, window: readonly Token[]): boolean {
  // the agent's last segment, the one the customer's reply follows
  const lastSegment = window.at(-1)?.segmentIndex;
  const at = window.find((t) => t.segmentIndex === lastSegment)?.startMs;
  if (at === undefined) return false;
  let last: (typeof prepared.segments)[number] | undefined;
  for (const seg of prepared.segments) {
    if (seg.party === 'agent' || seg.startMs >= at) continue;
    if (!last || seg.startMs > last.startMs) last = seg;
  }
  if (!last || !/\?\s*$/.test(last.text)) return false;
  return /\b(cuando|cuanto|que dia|que fecha|when|how much|what day|what date)\b/.test(foldLower(last.text));
}

/** "al convenio de Tuhogar", "número de convenio": where to pay (the biller's code), not a plan offered. */
function billerCode(tokens: readonly Token[], i: number): boolean {
  const prev = tokens[i - 1]?.norm;
  return tokens[i]!.norm === 'convenio' && (prev === 'al' || prev === 'numero' || prev === 'codigo');
}

/** Words between a negation and the commitment it negates ("I don't wanna promise", "no le quiero prometer"). */
const NEGATION_GAP = new Set([
  'wanna',
  'want',
  'to',
  'gonna',
  'going',
  'make',
  'a',
  'quiero',
  'le',
  'lo',
  'voy',
  'hacer',
  'una',
]);
const NEGATIONS_BEFORE = new Set(['no', 'not', 'dont', 'never', 'nunca', 'tampoco', 'cannot']);

function negatedBefore(tokens: readonly Token[], at: number): boolean {
  for (let k = at - 1; k >= Math.max(0, at - 5); k--) {
    const w = tokens[k]!.norm;
    if (NEGATIONS_BEFORE.has(w)) return true;
    if (!NEGATION_GAP.has(w)) return false;
  }
  return false;
}

/** Sending words ("se lo mando hoy mismo", "I'll send it"): what they send is what the agent just asked for. */
const SEND_VERBS = new Set(['mando', 'envio', 'paso', 'send', 'email', 'text']);

/**
 * "Sí, se lo mando hoy mismo" after "si me puede mandar una foto del recibo": a customer sending what the agent asked
 * for (a photo, a receipt, the number) with no amount of their own sends no money.
 */
function sendsWhatWasAsked(
  tokens: readonly Token[],
  m: PhraseMatch,
  agentTurn: () => AgentTurn,
  language: Language,
): boolean {
  let sends = false;
  for (let k = m.startToken; k <= m.endToken; k++) if (SEND_VERBS.has(tokens[k]!.norm)) sends = true;
  if (!sends) return false;
  const { prevAgent, agentStart, agentEnd } = agentTurn();
  if (!prevAgent) return false;
  for (let k = agentStart; k < agentEnd; k++) {
    const w = prevAgent.tokens[k]!.norm;
    if (NOT_MONEY[language].has(w)) return true;
  }
  return false;
}

/**
 * An answer that weighs two options ("doce de seiscientos o nueve de ochocientos", "two hundred or three hundred"):
 * a number right before "o" / "or" and another right after it.
 */
function weighsAlternatives(tokens: readonly Token[], clause: Clause, language: Language): boolean {
  const or = language === 'es' ? 'o' : 'or';
  const isNumber = (k: number) =>
    k >= clause.start && k < clause.end && parseNumberAt([tokens[k]!.norm], 0, language);
  for (let k = clause.start + 1; k + 1 < clause.end; k++) {
    if (tokens[k]!.norm === or && isNumber(k - 1) && isNumber(k + 1)) return true;
  }
  return false;
}

/** "¿Me confirma su fecha de nacimiento?": a date asked to verify identity, not a payment's. */
function aboutIdentity(tokens: readonly Token[], m: PhraseMatch): boolean {
  for (let k = m.endToken + 1; k <= m.endToken + 3 && k < tokens.length; k++) {
    if (IDENTITY_DATES.has(tokens[k]!.norm)) return true;
  }
  return false;
}
const IDENTITY_DATES = new Set(['nacimiento', 'birth', 'expedicion', 'birthday', 'cumpleanos']);

/** Whether a token lies in one of the spans (same segment, overlapping characters). */
function sensitiveTokens(spans: readonly PiiSpan[]): (t: Token) => boolean {
  if (spans.length === 0) return () => false;
  return (t) => spans.some((s) => s.segmentIndex === t.segmentIndex && s.start < t.end && t.start < s.end);
}

/** The first token of the segment token i belongs to. */
function segmentStart(tokens: readonly Token[], i: number): number {
  let k = Math.max(0, i);
  while (k > 0 && tokens[k - 1]!.segmentIndex === tokens[k]!.segmentIndex) k--;
  return k;
}
