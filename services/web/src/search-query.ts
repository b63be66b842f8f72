import { formatDateTime } from './format.ts';
import type { Lang, MessageKey } from './i18n.ts';
import { decimal, labelOf, languageName, type Translate } from './labels.ts';

/** The label of each search parameter: the search page's filter and a search described in words say the same. */
export const FILTER_LABEL = {
  q: 'q',
  party: 'party',
  from: 'from',
  to: 'to',
  agentName: 'agentName',
  agentId: 'agentId',
  team: 'team',
  campaign: 'campaign',
  disposition: 'disposition',
  number: 'number',
  direction: 'direction',
  customerRef: 'customerRef',
  reason: 'reason',
  product: 'product',
  region: 'region',
  country: 'country',
  language: 'lang',
  currency: 'currency',
  source: 'source',
  callerNumber: 'callerNumber',
  calleeNumber: 'calleeNumber',
  sipCallId: 'sipCallId',
  externalId: 'externalId',
  minDurationMs: 'minDuration',
  maxDurationMs: 'maxDuration',
  minDaysPastDue: 'minDaysPastDue',
  maxDaysPastDue: 'maxDaysPastDue',
  minAmountDue: 'minAmountDue',
  maxAmountDue: 'maxAmountDue',
  sentiment: 'f_sentiment',
  sentimentParty: 'f_sentimentParty',
  disclosure: 'f_disclosure',
  adherenceBelow: 'f_adherenceBelow',
  keyword: 'f_keyword',
  promiseToPay: 'f_promiseToPay',
  redacted: 'f_redacted',
  // a report's grouping
  by: 'groupBy',
  // the audit log's own filter
  action: 'action',
  actor: 'actor',
} as const satisfies Record<string, MessageKey>;

/** A search parameter's label, when it has one. */
export function filterLabel(name: string): MessageKey | undefined {
  return Object.hasOwn(FILTER_LABEL, name) ? (FILTER_LABEL as Record<string, MessageKey>)[name] : undefined;
}

/** Parameters that are the page's own state rather than a filter. */
const NOT_FILTERS = new Set(['limit', 'cursor', 'sort']);

function valueText(name: string, value: string, t: Translate, lang: Lang): string {
  const list = (prefix: string) =>
    value
      .split(',')
      .map((v, i) => (i === 0 ? labelOf(t, prefix, v) : labelOf(t, prefix, v).toLowerCase()))
      .join(t('orSeparator'));
  switch (name) {
    case 'from':
    case 'to':
      return formatDateTime(value, lang);
    case 'promiseToPay':
    case 'redacted':
      return value === 'true' ? t('yes') : value === 'false' ? t('no') : value;
    case 'minDurationMs':
    case 'maxDurationMs':
      return Number.isFinite(Number(value)) ? decimal(Number(value) / 1000, lang) : value;
    case 'minAmountDue':
    case 'maxAmountDue':
      return Number.isFinite(Number(value)) ? decimal(Number(value), lang, 2) : value;
    case 'language':
      return languageName(value, lang) ?? value;
    case 'disclosure':
      return list('outcome_');
    case 'keyword':
      return list('kw_');
    case 'sentiment':
      return list('sentimentLabel_');
    case 'source':
      return list('source_');
    case 'party':
    case 'sentimentParty':
      return value === 'overall' ? t('f_wholeCall') : list('party_');
    case 'by':
      return list('dim_');
    case 'action':
      return list('act_');
    case 'direction':
      return value === 'inbound' ? t('inbound') : value === 'outbound' ? t('outbound') : value;
    default:
      return value;
  }
}

/**
 * A search's filters in words, as a legal hold or an audit entry shows them: "Agent name: gomez · Recording
 * disclosure: Partial or missing". Paging and sorting are left out; a parameter the UI has no name for is shown as
 * it is named.
 */
export function describeQuery(query: Record<string, string>, t: Translate, lang: Lang): string {
  return Object.entries(query)
    .filter(([k, v]) => !NOT_FILTERS.has(k) && v !== '')
    .map(([k, v]) => {
      const known = filterLabel(k);
      const label = k.startsWith('custom.') ? k.slice(7) : known ? t(known) : k;
      return `${label}: ${valueText(k, v, t, lang)}`;
    })
    .join(' · ');
}
