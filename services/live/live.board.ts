import type { Caller } from '../access/caller.ts';
import { scopeConditions } from '../access/call-scope.ts';
import { callScopeOf, inScope, type CallScope } from '../access/principal.ts';
import type { LiveAgents, LiveCall, LiveQuery, LiveStreamEvent } from '../api/contract/live.ts';
import {
  agentActivity,
  type ArchivedActivity,
  type LastCall,
  type LiveActivityCall,
  type RosterAgent,
} from './agent-activity.ts';
import type { AgentActivityRepository } from './agent-activity.repository.ts';
import type { LiveCallView, LiveHub } from './live.hub.ts';

/**
 * The live board: the calls in progress of this process (the hub capture feeds) as the caller may see them, an
 * event stream of their changes, and the agents' activity today. Scope is the archive's rule (`inScope` of
 * access/principal.ts) applied in memory to each call's live metadata: an agent sees only their own calls, a
 * principal with teams or languages only calls of those. Customer numbers are shown as the archive's search shows
 * them to every role that may see the call (no role has them masked).
 *
 * Changes (start, metadata, pause, end) reach each stream as they happen; levels are sent once a second, only those
 * that changed (the API's event streams, api/event-stream.ts, keep them open and end them). One timer serves every
 * stream, and runs only while there is one. Each open stream makes the hub keep levels (capture decodes every call's
 * audio only while one is open); the first levels reach a new stream at its first tick, a second after it opens.
 */

export const LEVELS_INTERVAL_MS = 1000;
/** Today's archived figures are read again after this long (per scope and filter). */
export const ARCHIVE_READ_MS = 5000;
const HOUR_MS = 3_600_000;
/** Live call ends remembered per agent (for "idle since") beyond the day they happened: two days. */
const LAST_END_KEEP_MS = 48 * HOUR_MS;

/** What a stream is sent: an event of the contract. */
export type BoardMessage = LiveStreamEvent;

export interface LiveBoardDeps {
  hub: LiveHub;
  activity: AgentActivityRepository;
  /** Epoch ms now (tests set it); default Date.now. */
  now?: () => number;
  /** Where "today" starts for a moment: default the server's local midnight. */
  dayStart?: (nowMs: number) => Date;
}

/** A call end seen live: the agent's last call, with what its scope is decided on. */
interface LiveEnd extends LastCall {
  agentName: string | null;
  view: LiveCallView;
}

interface Watcher {
  visible: (view: LiveCallView) => boolean;
  send: (message: BoardMessage) => void;
  /** Calls this stream has been told of, with the levels it was last sent. */
  shown: Map<string, string>;
  /** Gives back the stream's claim on the hub's levels (`LiveHub.wantLevels`). */
  releaseLevels: () => void;
}

export function localMidnight(nowMs: number): Date {
  const d = new Date(nowMs);
  return new Date(d.getFullYear(), d.getMonth(), d.getDate());
}

/** The customer's number: the caller of an inbound call, the callee of an outbound one; unknown without direction. */
export function customerNumberOf(metadata: LiveCallView['metadata']): string | null {
  if (metadata.direction === 'inbound') return metadata.callerNumber ?? null;
  if (metadata.direction === 'outbound') return metadata.calleeNumber ?? null;
  return null;
}

/** A call in progress as the API shows it, at `nowMs`. */
export function liveCallOf(view: LiveCallView, nowMs: number): LiveCall {
  const m = view.metadata;
  return {
    captureId: view.captureId,
    source: view.source,
    startedAt: new Date(view.startedAtMs).toISOString(),
    durationMs: Math.max(0, Math.round(nowMs - view.startedAtMs)),
    agentId: m.agentId ?? null,
    agentName: m.agentName ?? null,
    team: m.team ?? null,
    campaign: m.campaign ?? null,
    customerNumber: customerNumberOf(m),
    direction: m.direction ?? null,
    country: m.country ?? null,
    language: m.language ?? null,
    pausedSince: view.pausedSinceMs === null ? null : new Date(view.pausedSinceMs).toISOString(),
    levels: { agent: view.levels[0], customer: view.levels[1] },
  };
}

/** Whether a call in progress is in a scope and matches the filter (team, campaign). */
export function callVisible(scope: CallScope | undefined, filter: LiveQuery, view: LiveCallView): boolean {
  const m = view.metadata;
  if (filter.team !== undefined && m.team !== filter.team) return false;
  if (filter.campaign !== undefined && m.campaign !== filter.campaign) return false;
  return inScope(scope, { agentId: m.agentId ?? null, language: m.language ?? null, team: m.team ?? null });
}

/**
 * Whether an agent of the roster is in a scope: the scope's agent and teams apply to people; languages apply to
 * calls only (an agent is in no language).
 */
export function agentVisible(scope: CallScope | undefined, agent: RosterAgent): boolean {
  if (!scope) return true;
  return inScope(
    {
      ...(scope.agentId !== undefined ? { agentId: scope.agentId } : {}),
      ...(scope.teams ? { teams: scope.teams } : {}),
    },
    { agentId: agent.agentId, language: null, team: agent.team },
  );
}

const levelKey = (view: LiveCallView) => `${view.levels[0]}|${view.levels[1]}`;

export class LiveBoardService {
  private readonly watchers = new Set<Watcher>();
  private readonly lastEnds = new Map<string, LiveEnd>();
  private readonly archiveReads = new Map<
    string,
    { atMs: number; read: Promise<[RosterAgent[], ArchivedActivity[]]> }
  >();
  private readonly now: () => number;
  private readonly dayStart: (nowMs: number) => Date;
  private readonly unsubscribe: () => void;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: LiveBoardDeps) {
    this.now = deps.now ?? Date.now;
    this.dayStart = deps.dayStart ?? localMidnight;
    this.unsubscribe = deps.hub.on('call', (e) => {
      if (e.type === 'ended') this.noteEnd(e.call, e.endedAtMs);
      for (const w of this.watchers) this.tell(w, e.type, e.call, e.type === 'ended' ? e : undefined);
    });
  }

  /** The calls in progress the caller may see, oldest first. */
  calls(caller: Caller, filter: LiveQuery): { asOf: string; items: LiveCall[] } {
    const now = this.now();
    const scope = callScopeOf(caller.principal);
    return {
      asOf: new Date(now).toISOString(),
      items: this.deps.hub
        .calls()
        .filter((v) => callVisible(scope, filter, v))
        .map((v) => liveCallOf(v, now)),
    };
  }

  /** Each agent's activity now and today, and the teams' and campaigns', inside the caller's scope. */
  async agents(caller: Caller, filter: LiveQuery): Promise<LiveAgents> {
    const nowMs = this.now();
    const dayStart = this.dayStart(nowMs);
    const scope = callScopeOf(caller.principal);
    const sqlScope = scopeConditions(caller.principal);
    const key = JSON.stringify([
      scope ?? null,
      filter.team ?? null,
      filter.campaign ?? null,
      dayStart.getTime(),
    ]);
    const [roster, archived] = await this.archiveRead(key, nowMs, () =>
      Promise.all([
        this.deps.activity.roster(filter),
        this.deps.activity.archived(dayStart, new Date(nowMs - HOUR_MS), filter, sqlScope),
      ]),
    );
    const visibleRoster = roster.filter((a) => agentVisible(scope, a));
    const live: LiveActivityCall[] = this.deps.hub
      .calls()
      .filter((v) => callVisible(scope, filter, v))
      .map((v) => ({
        captureId: v.captureId,
        startedAtMs: v.startedAtMs,
        agentId: v.metadata.agentId ?? null,
        agentName: v.metadata.agentName ?? null,
        team: v.metadata.team ?? null,
        campaign: v.metadata.campaign ?? null,
      }));
    // Agents with no archived call today: when their last call ended (seen live here, else the archive's).
    const withToday = new Set(archived.filter((r) => r.callsToday > 0).map((r) => r.agentId));
    const quiet = visibleRoster.map((a) => a.agentId).filter((id) => !withToday.has(id));
    const lastCalls = await this.deps.activity.lastCalls(quiet, dayStart, sqlScope);
    const seenLive: { agentId: string; name: string | null }[] = [];
    for (const [agentId, end] of this.lastEnds) {
      if (!callVisible(scope, filter, end.view)) continue;
      if (end.endedMs >= dayStart.getTime()) seenLive.push({ agentId, name: end.agentName });
      const known = lastCalls.get(agentId);
      if (!known || end.endedMs > known.endedMs) {
        lastCalls.set(agentId, { endedMs: end.endedMs, team: end.team, campaign: end.campaign });
      }
    }
    const activity = agentActivity({ nowMs, roster: visibleRoster, archived, live, lastCalls, seenLive });
    return {
      asOf: new Date(nowMs).toISOString(),
      dayStart: dayStart.toISOString(),
      ...activity,
    };
  }

  /**
   * The roster and today's archived figures for one scope and filter, read at most once per ARCHIVE_READ_MS: every
   * board in view asks again at each start and end of a call, and a busy day has many.
   */
  private archiveRead(
    key: string,
    nowMs: number,
    read: () => Promise<[RosterAgent[], ArchivedActivity[]]>,
  ): Promise<[RosterAgent[], ArchivedActivity[]]> {
    const cached = this.archiveReads.get(key);
    if (cached && nowMs - cached.atMs < ARCHIVE_READ_MS) return cached.read;
    for (const [k, v] of this.archiveReads)
      if (nowMs - v.atMs >= ARCHIVE_READ_MS) this.archiveReads.delete(k);
    const fresh = read();
    this.archiveReads.set(key, { atMs: nowMs, read: fresh });
    fresh.catch(() => this.archiveReads.delete(key));
    return fresh;
  }

  /**
   * Streams the board to one client: a snapshot, then every change it may see. Returns the function that stops it
   * (the router calls it when the client goes).
   */
  watch(caller: Caller, filter: LiveQuery, send: (message: BoardMessage) => void): () => void {
    const scope = callScopeOf(caller.principal);
    const watcher: Watcher = {
      visible: (v) => callVisible(scope, filter, v),
      send,
      shown: new Map(),
      releaseLevels: this.deps.hub.wantLevels(),
    };
    const now = this.now();
    const items: LiveCall[] = [];
    for (const view of this.deps.hub.calls()) {
      if (!watcher.visible(view)) continue;
      watcher.shown.set(view.captureId, levelKey(view));
      items.push(liveCallOf(view, now));
    }
    send({ event: 'snapshot', data: { asOf: new Date(now).toISOString(), items } });
    this.watchers.add(watcher);
    this.timer ??= setInterval(() => this.tick(), LEVELS_INTERVAL_MS).unref();
    return () => this.remove(watcher);
  }

  /** Stops listening to the hub (the process is stopping); the streams are ended by the API. */
  close(): void {
    for (const w of [...this.watchers]) this.remove(w); // gives back each stream's hold on the levels
    this.stopTimer();
    this.unsubscribe();
  }

  /** One tick of the shared timer: changed levels to each stream. */
  tick(): void {
    const calls = this.deps.hub.calls();
    for (const w of this.watchers) {
      const changed: { captureId: string; agent: number | null; customer: number | null }[] = [];
      for (const view of calls) {
        const before = w.shown.get(view.captureId);
        if (before === undefined) continue;
        const now = levelKey(view);
        if (now === before) continue;
        w.shown.set(view.captureId, now);
        changed.push({ captureId: view.captureId, agent: view.levels[0], customer: view.levels[1] });
      }
      if (changed.length > 0) this.safely(w, { event: 'levels', data: { items: changed } });
    }
  }

  private tell(
    w: Watcher,
    type: 'started' | 'updated' | 'ended',
    view: LiveCallView,
    end: { endedAtMs: number; reason: string } | undefined,
  ): void {
    const shown = w.shown.has(view.captureId);
    if (end) {
      if (!shown) return;
      w.shown.delete(view.captureId);
      this.safely(w, {
        event: 'ended',
        data: {
          captureId: view.captureId,
          endedAt: new Date(end.endedAtMs).toISOString(),
          durationMs: Math.max(0, Math.round(end.endedAtMs - view.startedAtMs)),
          reason: end.reason,
        },
      });
      return;
    }
    const visible = w.visible(view);
    if (!visible) {
      if (shown) {
        w.shown.delete(view.captureId);
        this.safely(w, { event: 'removed', data: { captureId: view.captureId } });
      }
      return;
    }
    w.shown.set(view.captureId, levelKey(view));
    const event = shown && type === 'updated' ? 'updated' : 'started';
    this.safely(w, { event, data: liveCallOf(view, this.now()) });
  }

  private noteEnd(view: LiveCallView, endedAtMs: number): void {
    const agentId = view.metadata.agentId;
    if (agentId) {
      this.lastEnds.set(agentId, {
        endedMs: endedAtMs,
        team: view.metadata.team ?? null,
        campaign: view.metadata.campaign ?? null,
        agentName: view.metadata.agentName ?? null,
        view,
      });
    }
    for (const [id, end] of this.lastEnds)
      if (end.endedMs < endedAtMs - LAST_END_KEEP_MS) this.lastEnds.delete(id);
  }

  /** A stream whose client cannot take a message is dropped, never the board. */
  private safely(w: Watcher, message: BoardMessage): void {
    try {
      w.send(message);
    } catch {
      this.remove(w);
    }
  }

  private remove(w: Watcher): void {
    w.releaseLevels();
    this.watchers.delete(w);
    if (this.watchers.size === 0) this.stopTimer();
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
