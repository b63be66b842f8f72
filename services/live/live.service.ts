import { callScopeOf, inScope, mayViewUnredacted, type Principal } from '../access/principal.ts';
import type { Caller, CallerAudit } from '../access/caller.ts';
import { callLanguage } from '../../models/language.ts';
import { EscuchaError } from '../platform/errors.ts';
import type { LiveHub, LiveTranscriptLine } from './live.hub.ts';
import type { LiveAlertRow, LiveLineRow, LiveRepository } from './live.repository.ts';

/**
 * What the API offers of the live transcript and the real-time alerts: decides scope (a call in progress by the
 * metadata capture knows so far, an ended one by what was stored with its transcript and alerts), what is audited
 * (acknowledgements), and which events of the hub each viewer's stream gets.
 */

/** An alert as the API shows it: what is stored, without the language its scope is checked by. */
export type LiveAlertItem = Omit<LiveAlertRow, 'language'>;

export interface LiveTranscriptItem {
  captureId: string;
  inProgress: boolean;
  complete: boolean;
  lines: Omit<LiveLineRow, never>[];
}

/**
 * Hides the sensitive numbers and addresses of a call's lines so far (placeholders such as "[CARD]"), each line
 * read with those before it; `language` is the call's, null when not known yet.
 */
export type LiveLineRedactor = <T extends LiveLineRow>(lines: readonly T[], language: string | null) => T[];

export interface LiveServiceDeps {
  repository: Pick<LiveRepository, 'alerts' | 'alert' | 'acknowledge' | 'state' | 'lines'>;
  hub: LiveHub;
  auditor: CallerAudit;
  /** Applied to every line a viewer who may not see a call's sensitive data gets (mayViewUnredacted). */
  redact: LiveLineRedactor;
  now?: () => Date;
}

/** Lines before a new one that are read with it for redaction (the question it answers, a number's first half). */
const REDACTION_CONTEXT_LINES = 20;

/** The most alerts shown for one call (rules raise each kind once or a few times a call). */
const MAX_ALERTS_PER_CALL = 200;

type ScopeFacts = { agentId: string | null; team: string | null; language: string | null };

export class LiveService {
  private readonly now: () => Date;

  constructor(private readonly deps: LiveServiceDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  async alerts(caller: Caller, query: { state: 'open' | 'all'; limit: number }): Promise<LiveAlertItem[]> {
    const scope = callScopeOf(caller.principal);
    const rows = await this.deps.repository.alerts({
      limit: scope ? Math.max(500, query.limit * 5) : query.limit,
    });
    return rows
      .filter((a) => inScope(scope, a) && (query.state === 'all' || a.acknowledgedAt === null))
      .slice(0, query.limit)
      .map(item);
  }

  /**
   * The alerts kept with an archived call, in call order. Whether the caller may see the call is decided before
   * (the call guard of every /calls/:id route); the alerts of a call the caller sees are the caller's to see.
   */
  async ofCall(callId: string): Promise<LiveAlertItem[]> {
    const rows = await this.deps.repository.alerts({ callId, limit: MAX_ALERTS_PER_CALL });
    return rows.sort((a, b) => a.atMs - b.atMs || a.raisedAt.localeCompare(b.raisedAt)).map(item);
  }

  async acknowledge(caller: Caller, alertId: string): Promise<LiveAlertItem> {
    const found = await this.deps.repository.alert(alertId);
    if (!found || !inScope(callScopeOf(caller.principal), found)) {
      throw new EscuchaError('NOT_FOUND', 'no such alert');
    }
    const by = caller.principal.name || caller.principal.id;
    await this.deps.repository.acknowledge(alertId, by, this.now());
    await this.deps.auditor.recordFor(caller, {
      action: 'live_alert_acknowledge',
      callId: found.callId,
      targetType: 'live_alert',
      targetId: alertId,
      details: { kind: found.kind, captureId: found.captureId, already: found.acknowledgedAt !== null },
    });
    return item((await this.deps.repository.alert(alertId))!);
  }

  async transcript(caller: Caller, captureId: string): Promise<LiveTranscriptItem> {
    const inProgress = await this.visible(caller.principal, captureId);
    const state = await this.deps.repository.state(captureId);
    const lines = state ? await this.deps.repository.lines(captureId) : [];
    return {
      captureId,
      inProgress,
      complete: state?.complete ?? false,
      lines: mayViewUnredacted(caller.principal) ? lines : this.deps.redact(lines, state?.language ?? null),
    };
  }

  /**
   * Lines and alerts of one call as they come: refuses a call the caller may not see, else returns the subscription
   * (which returns how to stop).
   */
  async callEvents(
    caller: Caller,
    captureId: string,
  ): Promise<(send: (event: 'line' | 'alert', data: unknown) => void) => () => void> {
    await this.visible(caller.principal, captureId);
    const hide = !mayViewUnredacted(caller.principal);
    // the lines said so far, read with each new one when it must be redacted
    const recent: LiveLineRow[] = hide
      ? (await this.deps.repository.lines(captureId)).slice(-REDACTION_CONTEXT_LINES)
      : [];
    const shown = (l: LiveTranscriptLine): LiveTranscriptLine => {
      if (!hide) return l;
      recent.push(l);
      if (recent.length > REDACTION_CONTEXT_LINES + 1) recent.shift();
      const text = this.deps.redact(recent, l.language).at(-1)!.text;
      return text === l.text ? l : { ...l, text };
    };
    return (send) => {
      const off = [
        this.deps.hub.on('line', (l: LiveTranscriptLine) => {
          if (l.captureId === captureId) send('line', shown(l));
        }),
        this.deps.hub.on('alert', (a) => {
          if (a.captureId === captureId) void this.forward(caller.principal, a.alertId, send);
        }),
      ];
      return () => off.forEach((f) => f());
    };
  }

  /** Every new alert the caller may see, as it is raised; returns how to stop. */
  alertEvents(caller: Caller, send: (event: 'alert', data: unknown) => void): () => void {
    return this.deps.hub.on('alert', (a) => void this.forward(caller.principal, a.alertId, send));
  }

  private async forward(
    principal: Principal,
    alertId: string,
    send: (event: 'alert', data: unknown) => void,
  ): Promise<void> {
    const found = await this.deps.repository.alert(alertId).catch(() => undefined);
    if (found && inScope(callScopeOf(principal), found)) send('alert', item(found));
  }

  /** Whether the call is in progress; refuses a call the principal may not see or that is not known. */
  private async visible(principal: Principal, captureId: string): Promise<boolean> {
    const view = this.deps.hub.call(captureId);
    let facts: ScopeFacts | undefined;
    if (view) {
      facts = {
        agentId: view.metadata.agentId ?? null,
        team: view.metadata.team ?? null,
        language: callLanguage(view.metadata.language),
      };
    } else {
      const state = await this.deps.repository.state(captureId);
      if (state) facts = { agentId: state.agentId, team: state.team, language: state.language };
    }
    if (!facts || !inScope(callScopeOf(principal), facts)) {
      throw new EscuchaError('NOT_FOUND', 'no such call in progress');
    }
    return view !== undefined;
  }
}

function item(a: LiveAlertRow): LiveAlertItem {
  const { language: _language, ...shown } = a;
  return shown;
}
