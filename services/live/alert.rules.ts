import {
  countTerms,
  DEFAULT_KEYWORD_CATEGORIES,
  detectDisclosure,
  detectForbidden,
  prepareTranscript,
  type DisclosureProfile,
  type Language,
  type PhraseRegistry,
  type SentimentPort,
  type TranscriptSegment,
} from '../analytics/index.ts';
import type { Party } from '../../models/database.ts';

/**
 * Real-time alerts of one call in progress, decided on its live transcript by the detectors the post-call analytics
 * stage runs (services/analytics), so a call raises live what its analysis would find afterwards:
 * - `disclosure_missing`: the profile's window (from the first speech of the call) has closed, every utterance said
 *   in it has been recognised, and one or more notices were not given in it;
 * - `forbidden_practice`: threats, insults, exposure threats, the debt talked about with a third party;
 * - `keyword`: the categories a supervisor acts on at once (lawyer, lawsuit, complaint, stop calling);
 * - `negative_sentiment`: a run of `negativeRun` customer utterances in a row scored negative.
 * Each alert is raised once per call (a keyword category or practice once, a sentiment run once per run).
 */

export const LIVE_ALERT_KINDS = [
  'disclosure_missing',
  'forbidden_practice',
  'keyword',
  'negative_sentiment',
] as const;
export type LiveAlertKind = (typeof LIVE_ALERT_KINDS)[number];

/** The keyword categories that raise an alert while the call is in progress. */
export const ALERT_KEYWORD_CATEGORIES = DEFAULT_KEYWORD_CATEGORIES.filter((c) =>
  ['lawyer', 'lawsuit', 'complaint', 'cease_contact'].includes(c.id),
);

export interface RaisedAlert {
  kind: LiveAlertKind;
  /** What was found: the element, practice or category ids, and the words that raised it. */
  detail: string;
  /** On the call's clock. */
  atMs: number;
}

export interface CallAlertOptions {
  language: Language;
  /** The call's disclosure profile with the deployment's window (chooseProfile, configuredProfile). */
  profile: DisclosureProfile;
  phrases: PhraseRegistry;
  sentiment: SentimentPort | null;
  /** Customer utterances in a row scored negative that raise an alert (default 3). */
  negativeRun?: number;
}

export interface AlertLine {
  party: Party;
  channel: number;
  startMs: number;
  endMs: number;
  text: string;
}

export class CallAlerts {
  private readonly lines: TranscriptSegment[] = [];
  private readonly raised = new Set<string>();
  private disclosureChecked = false;
  private negativeRunFrom = -1;
  private readonly negativeRun: number;

  constructor(private readonly options: CallAlertOptions) {
    this.negativeRun = options.negativeRun ?? 3;
  }

  /** When the disclosure window closes on the call's clock (null until someone has spoken). */
  get windowEndMs(): number | null {
    const start = this.conversationStart();
    return start === null ? null : start + this.options.profile.windowMs;
  }

  get disclosureDecided(): boolean {
    return this.disclosureChecked;
  }

  /** New lines of the transcript; returns the alerts they raise (the disclosure is decided by `closeWindow`). */
  add(lines: readonly AlertLine[]): RaisedAlert[] {
    for (const l of lines) {
      if (l.text.trim() === '') continue;
      this.lines.push({
        party: l.party,
        channel: l.channel,
        startMs: l.startMs,
        endMs: l.endMs,
        text: l.text,
      });
    }
    this.lines.sort((a, b) => a.startMs - b.startMs || (a.channel ?? 0) - (b.channel ?? 0));
    if (lines.length === 0) return [];
    const language = this.options.language;
    const prepared = prepareTranscript(this.lines, language);
    const out: RaisedAlert[] = [];
    for (const v of detectForbidden(this.options.phrases, prepared).violations) {
      const first = v.evidence[0];
      this.raise(out, `practice:${v.practice}`, {
        kind: 'forbidden_practice',
        detail: quoted(v.practice, first?.matchedText),
        atMs: first?.startMs ?? 0,
      });
    }
    const counts = countTerms(this.options.phrases, prepared, { categories: ALERT_KEYWORD_CATEGORIES });
    for (const c of counts.categories) {
      if (c.total === 0) continue;
      const evidence = Object.values(c.evidence)
        .flat()
        .sort((a, b) => a.startMs - b.startMs)[0];
      this.raise(out, `keyword:${c.id}`, {
        kind: 'keyword',
        detail: quoted(c.id, evidence?.matchedText),
        atMs: evidence?.startMs ?? 0,
      });
    }
    if (this.options.sentiment) out.push(...this.sentimentRun());
    return out;
  }

  /**
   * The disclosure, decided once the window has closed and everything said in it has been heard: `heardUpToMs` is
   * the call-clock time up to which every utterance has been recognised (Infinity once the call has ended and its
   * last utterance is done). Returns the alert when a notice was not given in the window.
   */
  closeWindow(heardUpToMs: number): RaisedAlert[] {
    if (this.disclosureChecked) return [];
    const windowEnd = this.windowEndMs;
    if (windowEnd === null) {
      if (heardUpToMs === Infinity) this.disclosureChecked = true; // nobody spoke: nothing to judge
      return [];
    }
    if (heardUpToMs < windowEnd) return [];
    this.disclosureChecked = true;
    const prepared = prepareTranscript(this.lines, this.options.language);
    const result = detectDisclosure(this.options.phrases, prepared, this.options.profile);
    const notGiven = result.elements.filter((e) => e.outcome !== 'given').map((e) => e.id);
    if (notGiven.length === 0) return [];
    const out: RaisedAlert[] = [];
    this.raise(out, 'disclosure', {
      kind: 'disclosure_missing',
      detail: `${result.profile}: ${notGiven.join(', ')}`,
      atMs: windowEnd,
    });
    return out;
  }

  private conversationStart(): number | null {
    return this.lines.length > 0 ? this.lines[0]!.startMs : null;
  }

  private sentimentRun(): RaisedAlert[] {
    const customer = this.lines.filter((l) => l.party === 'customer');
    const result = this.options.sentiment!.analyze(
      customer.map((l) => ({ party: 'customer' as const, startMs: l.startMs, endMs: l.endMs, text: l.text })),
      this.options.language,
    );
    const scored = result.utterances.filter((u) => u.party === 'customer');
    // The run that ends with the latest customer utterance.
    let from = scored.length;
    while (from > 0 && scored[from - 1]!.label === 'negative') from--;
    const length = scored.length - from;
    if (length < this.negativeRun || from === this.negativeRunFrom) return [];
    this.negativeRunFrom = from;
    const last = scored[scored.length - 1]!;
    return [
      {
        kind: 'negative_sentiment',
        detail: `${length} negative customer utterances in a row`,
        atMs: last.startMs,
      },
    ];
  }

  private raise(out: RaisedAlert[], key: string, alert: RaisedAlert): void {
    if (this.raised.has(key)) return;
    this.raised.add(key);
    out.push(alert);
  }
}

function quoted(id: string, text: string | undefined): string {
  return text ? `${id}: "${text}"` : id;
}
