import type { Language } from '../matching/transcript.types.ts';

/**
 * Words that say what a number is ("mi cédula es…", "the three digits on the back…"). Each context is a list of
 * word sequences over folded tokens; a context applies when one ends shortly before the number.
 */

export type ContextId =
  'card' | 'cvv' | 'expiry' | 'cedula' | 'dni' | 'phone' | 'ssn' | 'notCard' | 'partial';

const seqs = (s: string): string[][] => s.split(',').map((x) => x.trim().split(/\s+/));

export const CONTEXTS: Record<Language, Record<ContextId, string[][]>> = {
  es: {
    card: seqs(
      'tarjeta, tarjetas, visa, mastercard, master card, american express, amex, debito, credito, diners, plastico, numero de la tarjeta',
    ),
    cvv: seqs(
      'codigo de seguridad, cvv, cvc, cv, codigo de atras, numeritos de atras, numeros de atras, digitos de atras, los tres de atras, codigo que esta atras, atras de la tarjeta, codigo de verificacion, el codigo',
    ),
    expiry: seqs(
      'vence, vencimiento, vencen, expira, expiracion, caduca, caducidad, valida hasta, se vence, fecha de vencimiento',
    ),
    // "célula(s)", "sédula": how a recognizer writes "cédula" heard over a phone line (near homophones)
    cedula: seqs(
      'cedula, cedula de ciudadania, cc, c c, documento, numero de documento, documento de identidad, identificacion, numero de identificacion, nit, tarjeta de identidad, celula, celulas, numero de celulas, sedula, selula, selulas, cedulas',
    ),
    dni: seqs('dni, nie, documento nacional, documento de identidad'),
    phone: seqs(
      'celular, cel, telefono, telefono fijo, fijo, movil, whatsapp, numero de celular, numero de telefono, llameme al, llamame al, me puede llamar al, me pueden llamar al, contactarme, contacto, marqueme al, anote mi numero, mi numero, el numero, numero para, otro numero, numero nuevo, nuevo numero, numero de linea, de la linea, que numero, numero de contacto, telefonico, numero telefonico, apunte, anote, apunta, anota, nequi, daviplata, bizum, llamemos, marquemos, llamarlo, llamarla, localizarlo, localizarla, localizarle, localizar, contactarlo, contactarla, contactarle, numero donde, numero en el que, numero al que, buen numero',
    ),
    ssn: seqs('seguro social, social security, ssn, numero de seguro social'),
    notCard: seqs(
      'pedido, orden, factura, referencia, radicado, contrato, obligacion, guia, envio, producto, referencia de pago, numero de cuenta, cuenta numero, caso, ticket, poliza, transaccion, operacion, ruta, money order, giro, expediente, incidencia, incidente, folio, comprobante, numero de aprobacion, autorizacion, reclamacion, numero del credito, numero de credito, numero de la reclamacion, numero del recibo, numero de recibo, numero de cliente, codigo de cliente, numero de transaccion',
    ),
    partial: seqs('ultimos cuatro, ultimos 4, termina en, terminada en, termina con'),
  },
  en: {
    card: seqs(
      'card, visa, mastercard, master card, amex, american express, discover, debit, credit card, card number',
    ),
    cvv: seqs(
      'security code, cvv, cvc, cv2, three digits on the back, digits on the back, code on the back, on the back, verification code, the code, code is, digit code, code on the front',
    ),
    expiry: seqs(
      'expires, expiry, expiration, expiration date, exp, valid thru, valid through, good thru, expire',
    ),
    cedula: seqs('cedula'),
    dni: seqs('dni, nie'),
    phone: seqs(
      'phone, cell, cellphone, mobile, my number, home number, phone number, call me at, call me on, call me back on, reach me at, reach me on, text, text me at, contact number, landline, work number, new number, better number, best number, other number, her number, his number, whats the number, what is the number, what number, which number, number where, number to reach, reach you at, reach you on, good number, number we can, number i can',
    ),
    ssn: seqs('social, social security, ssn, social security number, social is'),
    notCard: seqs(
      'order, invoice, reference, tracking, case number, case id, your case, the case, ticket, account number, confirmation, policy, claim, contract, id is, order id, routing, routing number, money order, transaction, transaction number, customer number, incident, file number, receipt number, approval code, authorization',
    ),
    partial: seqs('last four, last 4, ends in, ending in, ends with'),
  },
};

/** Per language: last word of a context sequence → the sequences ending with it. */
const BY_LAST: Record<Language, Map<string, { id: ContextId; seq: string[] }[]>> = {
  es: new Map(),
  en: new Map(),
};
for (const language of ['es', 'en'] as const) {
  for (const id of Object.keys(CONTEXTS[language]) as ContextId[]) {
    for (const seq of CONTEXTS[language][id]) {
      const last = seq[seq.length - 1]!;
      const list = BY_LAST[language].get(last);
      if (list) list.push({ id, seq });
      else BY_LAST[language].set(last, [{ id, seq }]);
    }
  }
  // ending at the same word, the longer sequence is nearer: "número del crédito" is a loan, not "crédito" a card
  for (const list of BY_LAST[language].values()) list.sort((a, b) => b.seq.length - a.seq.length);
}

/**
 * The contexts that end within `window` tokens before position `at`, nearest first (one entry per context).
 */
export function contextsBefore(
  norms: readonly string[],
  at: number,
  language: Language,
  window = 7,
): { id: ContextId; distance: number }[] {
  const out: { id: ContextId; distance: number }[] = [];
  const index = BY_LAST[language];
  for (let end = at; end >= Math.max(1, at - window); end--) {
    const candidates = index.get(norms[end - 1]!);
    if (candidates === undefined) continue;
    for (const { id, seq } of candidates) {
      if (out.some((o) => o.id === id)) continue;
      const start = end - seq.length;
      if (start < 0) continue;
      let ok = true;
      for (let k = 0; k < seq.length - 1; k++) {
        if (norms[start + k] !== seq[k]) {
          ok = false;
          break;
        }
      }
      if (ok) out.push({ id, distance: at - end });
    }
  }
  return out;
}

/** Context words of one word, long enough to be recognised when an ASR mangles them ("telefoono", "micelular"). */
const SINGLE_WORDS: Record<Language, Map<string, ContextId>> = { es: new Map(), en: new Map() };
for (const language of ['es', 'en'] as const) {
  for (const id of Object.keys(CONTEXTS[language]) as ContextId[]) {
    for (const seq of CONTEXTS[language][id]) {
      if (seq.length === 1 && seq[0]!.length >= 5) SINGLE_WORDS[language].set(seq[0]!, id);
    }
  }
}

const undouble = (w: string): string => w.replace(/(.)\1+/g, '$1');
const UNDOUBLED: Record<Language, [string, ContextId][]> = {
  es: [...SINGLE_WORDS.es].map(([w, id]) => [undouble(w), id]),
  en: [...SINGLE_WORDS.en].map(([w, id]) => [undouble(w), id]),
};
/** Words seen before, per language (bounded: cleared when it grows past 20 000 entries). */
const SEEN: Record<Language, Map<string, ContextId | null>> = { es: new Map(), en: new Map() };

/** The context a mangled word stands for: doubled letters, a glued article ("micelular"), a few letters added. */
function mangledContext(word: string, language: Language): ContextId | undefined {
  const seen = SEEN[language];
  const known = seen.get(word);
  if (known !== undefined) return known ?? undefined;
  const plain = undouble(word);
  let found: ContextId | null = SINGLE_WORDS[language].get(word) ?? null;
  // the context word the mangled one holds with the fewest letters added ("celulares" is "celular", not "celula")
  let fewest = found ? -1 : 4;
  for (const [cw, id] of UNDOUBLED[language]) {
    const extra = plain.length - cw.length;
    if (extra >= 0 && extra < fewest && (plain.startsWith(cw) || plain.endsWith(cw))) {
      found = id;
      fewest = extra;
    }
  }
  if (seen.size > 20_000) seen.clear();
  seen.set(word, found);
  return found ?? undefined;
}

/**
 * Like contextsBefore, for the words an ASR mangles: a context word with doubled letters, glued to the word before
 * it, split in two ("ce lular") or with a few letters added ("socialis"). Only one-word contexts of five letters or
 * more are recognised this way.
 */
export function mangledContextsBefore(
  norms: readonly string[],
  at: number,
  language: Language,
  window = 7,
): { id: ContextId; distance: number }[] {
  const out: { id: ContextId; distance: number }[] = [];
  for (let k = at - 1; k >= Math.max(0, at - window); k--) {
    const w = norms[k]!;
    const id =
      (w.length >= 4 ? mangledContext(w, language) : undefined) ??
      (k + 1 < at && w.length + norms[k + 1]!.length >= 5
        ? mangledContext(w + norms[k + 1]!, language)
        : undefined);
    if (id && !out.some((o) => o.id === id)) out.push({ id, distance: at - k - 1 });
  }
  return out;
}
