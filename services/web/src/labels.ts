import { ApiError } from './api.ts';
import { MESSAGES, type Lang, type MessageKey } from './i18n.ts';

/**
 * Words for what the server names by id (stage names and statuses, outcomes, disclosure elements, error codes…) and
 * numbers in the UI's language. An id the UI has no message for yet (a new element or outcome of the analytics) is
 * shown readable rather than as a key.
 */

export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

export function hasMessage(key: string): key is MessageKey {
  return Object.hasOwn(MESSAGES.en, key);
}

/** The message `prefix + id` when there is one, else `fallback`, else the id with its underscores as spaces. */
export function labelOf(t: Translate, prefix: string, id: string, fallback?: string | null): string {
  const key = prefix + id.replace(/[^A-Za-z0-9_]/g, '_');
  if (hasMessage(key)) return t(key);
  return fallback ?? id.replace(/[_-]+/g, ' ');
}

/** An error as the user reads it: the server's code in the UI's language (the English message only as a fallback). */
export function errorText(error: unknown, t: Translate): string {
  if (error instanceof ApiError) {
    const key = `error_${error.code}`;
    const seconds = error.details?.retryAfterSeconds;
    if (hasMessage(key)) return t(key, { seconds: typeof seconds === 'number' ? seconds : '…' });
    if (/^HTTP_\d+$/.test(error.code)) return t('error_HTTP', { status: error.status });
    return error.message;
  }
  // fetch rejects with a TypeError when the server cannot be reached.
  if (error instanceof TypeError) return t('error_NETWORK');
  return error instanceof Error ? error.message : String(error);
}

/** The messages said differently for one and for more (or none): `nCalls` for `nCalls_one` and `nCalls_other`. */
export type PluralKey = MessageKey extends infer K ? (K extends `${infer Base}_one` ? Base : never) : never;

/**
 * A count with the words around it in the right number: the message `key_one` for exactly one, `key_other` for
 * any other count (Spanish and English agree on that: "1 llamada", "0 llamadas", "1 call", "0 calls"); `{n}` is
 * the count.
 */
export function plural(
  t: Translate,
  key: PluralKey,
  n: number,
  params: Record<string, string | number> = {},
): string {
  const form: 'one' | 'other' = n === 1 ? 'one' : 'other';
  return t(`${key}_${form}` as MessageKey, { ...params, n });
}

const locale = (lang: Lang) => (lang === 'es' ? 'es-CO' : 'en-US');

/** m:ss (h:mm:ss past an hour) of a time in the call. */
export function clock(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** A share (0–1) as a percentage in the locale. */
export function percent(share: number, lang: Lang, digits = 0): string {
  return new Intl.NumberFormat(locale(lang), { style: 'percent', maximumFractionDigits: digits }).format(
    share,
  );
}

export function decimal(value: number, lang: Lang, digits = 1): string {
  return new Intl.NumberFormat(locale(lang), { maximumFractionDigits: digits }).format(value);
}

/** A calendar date (YYYY-MM-DD, no time zone) in the locale. */
export function calendarDate(ymd: string, lang: Lang): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(ymd);
  if (!m) return ymd;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toLocaleDateString(locale(lang), {
    timeZone: 'UTC',
    weekday: 'short',
    year: 'numeric',
    month: 'short',
    day: 'numeric',
  });
}

/** A calendar date (YYYY-MM-DD) short, as a chart's axis or a week's row names it: "16 nov", "Nov 16". */
export function shortDate(ymd: string, lang: Lang, withYear = false): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(ymd);
  if (!m) return ymd;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d
    .toLocaleDateString(locale(lang), {
      timeZone: 'UTC',
      day: 'numeric',
      month: 'short',
      ...(withYear ? { year: 'numeric' } : {}),
    })
    .replace(/\.$/, '');
}

/** A language code (es, en-US) by its name in the UI's language. */
export function languageName(code: string | null | undefined, lang: Lang): string | null {
  if (!code) return null;
  try {
    return new Intl.DisplayNames([locale(lang)], { type: 'language' }).of(code) ?? code;
  } catch {
    return code;
  }
}

/** A review queue by its kind and language (`qa-es`: "Quality · Spanish"); a queue of another kind by its id. */
export function queueName(
  queue: { id: string; kind?: string; language?: string },
  t: Translate,
  lang: Lang,
): string {
  const [kind, language] = queue.kind && queue.language ? [queue.kind, queue.language] : queue.id.split('-');
  if (!kind || !language || !hasMessage(`queue_${kind}`)) return queue.id;
  return t('queueOf', {
    kind: labelOf(t, 'queue_', kind),
    language: languageName(language, lang) ?? language,
  });
}

const STAGE_REASONS: readonly [RegExp, (m: RegExpExecArray, t: Translate) => string][] = [
  [/^the call has no transcript$/, (_m, t) => t('stageReason_noTranscript')],
  [/^the transcript is empty$/, (_m, t) => t('stageReason_emptyTranscript')],
  [/^the call has no recording$/, (_m, t) => t('stageReason_noRecording')],
  [/^no speech found by the VAD$/, (_m, t) => t('stageReason_noSpeech')],
  [/^transcript uploaded$/, (_m, t) => t('stageReason_transcriptUploaded')],
  [
    /^no ASR model installed — run (escucha models fetch \S+)/,
    (m, t) => t('stageReason_noModel', { command: m[1]! }),
  ],
  [/^waiting for the object store:/, (_m, t) => t('stageReason_waitingStorage')],
  [/^waiting for the database:/, (_m, t) => t('stageReason_waitingDatabase')],
  [/^call not found/, (_m, t) => t('stageReason_callGone')],
  [
    /^text analytics speaks es and en, the call is "(.*)"$/,
    (m, t) => t('stageReason_language', { language: m[1] || '?' }),
  ],
];

/** Why a stage was skipped or failed, in the UI's language where the pipeline's wording is known. */
export function stageReason(reason: string | null, t: Translate): string {
  if (!reason) return '';
  for (const [re, say] of STAGE_REASONS) {
    const m = re.exec(reason);
    if (m) return say(m, t);
  }
  return reason;
}
