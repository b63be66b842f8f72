import type { MessageKey } from './i18n.ts';
import { labelOf } from './labels.ts';

/** Display helpers shared by the pages. */

export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mm = h > 0 ? String(m).padStart(2, '0') : String(m);
  return `${h > 0 ? `${h}:` : ''}${mm}:${String(s).padStart(2, '0')}`;
}

/** m:ss.d for the player and transcript. */
export function formatClock(seconds: number): string {
  const s = Math.max(0, seconds);
  const m = Math.floor(s / 60);
  const rest = s - m * 60;
  return `${m}:${rest.toFixed(1).padStart(4, '0')}`;
}

export function formatDateTime(iso: string | null | undefined, lang: string): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return d.toLocaleString(lang === 'es' ? 'es-CO' : 'en-US', {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

export function formatAmount(value: number | null, currency: string | null, lang: string): string {
  if (value === null) return '—';
  try {
    return new Intl.NumberFormat(lang === 'es' ? 'es-CO' : 'en-US', {
      style: currency ? 'currency' : 'decimal',
      ...(currency ? { currency } : {}),
      maximumFractionDigits: 2,
    }).format(value);
  } catch {
    return `${value} ${currency ?? ''}`.trim();
  }
}

/** ISO with offset from a datetime-local input value, in the browser's zone. */
export function localToIso(value: string): string | undefined {
  if (!value) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** datetime-local value from an ISO time. */
export function isoToLocal(iso: string | undefined | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function shortId(id: string): string {
  return id.slice(0, 8);
}

type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

/** A list of ids the route stage joined with ", " (elements, practices, rules), each named in the UI's language. */
const names = (ids: string, prefix: string, t: Translate) =>
  ids
    .split(', ')
    .map((id) => labelOf(t, prefix, id))
    .join(', ');

/**
 * What raised a real-time alert, as services/live/alert.rules.ts writes it (`practice: "quote"`, `category: "quote"`,
 * `profile: element, element`, `N negative customer utterances in a row`), in the UI's words.
 */
export function alertDetail(kind: string, detail: string, t: Translate): string {
  const quote = (prefix: string) => {
    const m = /^([a-z0-9_]+)(?:: "([\s\S]*)")?$/.exec(detail);
    return m ? `${labelOf(t, prefix, m[1]!)}${m[2] === undefined ? '' : `: “${m[2]}”`}` : detail;
  };
  if (kind === 'forbidden_practice') return quote('practice_');
  if (kind === 'keyword') return quote('kw_');
  if (kind === 'disclosure_missing') {
    const m = /^([a-z]+): (.+)$/.exec(detail);
    return m ? `${labelOf(t, 'profile_', m[1]!)}: ${names(m[2]!, 'element_', t)}` : detail;
  }
  const run = /^(\d+) negative customer utterances in a row$/.exec(detail);
  if (kind === 'negative_sentiment' && run) return t('alertDetail_negativeRun', { n: run[1]! });
  return detail;
}

/** The reasons the route stage writes (services/analytics/routing), and how to say each in the UI's language. */
const REASONS: readonly [RegExp, (m: RegExpExecArray, t: Translate) => string][] = [
  [/^forbidden practice: (.+)$/, (m, t) => t('reason_forbidden', { detail: names(m[1]!, 'practice_', t) })],
  [/^disclosure missing$/, (_m, t) => t('reason_disclosureMissing')],
  [
    /^disclosure partial: missing (.+)$/,
    (m, t) => t('reason_disclosurePartial', { detail: names(m[1]!, 'element_', t) }),
  ],
  [
    /^disclosure late: (.+)$/,
    (m, t) =>
      t('reason_disclosureLate', {
        detail: m[1]!
          .split(', ')
          .map((item) => {
            const at = /^(\S+) at (\d+) s$/.exec(item);
            return at ? `${labelOf(t, 'element_', at[1]!)} (${at[2]} s)` : labelOf(t, 'element_', item);
          })
          .join(', '),
      }),
  ],
  [/^contact rules: (.+)$/, (m, t) => t('reason_contactRules', { detail: names(m[1]!, 'contactRule_', t) })],
  [
    /^critical script rule failed: (.+)$/,
    (m, t) => t('reason_criticalRule', { detail: names(m[1]!, 'scriptRule_', t) }),
  ],
  [/^adherence (\S+) below (\S+)$/, (m, t) => t('reason_adherence', { score: m[1]!, threshold: m[2]! })],
  [/^negative customer sentiment \((.+)\)$/, (m, t) => t('reason_negativeSentiment', { score: m[1]! })],
  [/^weekly sample for agent (.+)$/, (m, t) => t('reason_weeklySample', { agent: m[1]! })],
];

/**
 * A review item's reasons (written in English by the route stage, joined by "; ") in the UI's language; a reason
 * of an unknown shape is shown as written.
 */
export function reviewReason(reasons: string, t: Translate): string {
  return reasons
    .split('; ')
    .map((reason) => {
      for (const [re, say] of REASONS) {
        const m = re.exec(reason);
        if (m) return say(m, t);
      }
      return reason;
    })
    .join('; ');
}
