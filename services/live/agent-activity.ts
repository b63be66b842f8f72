import type { AgentActivity, GroupActivity } from '../api/contract/live.ts';

/**
 * Agent activity as arithmetic over what is known: the roster, today's archived calls (counted by the database),
 * the calls in progress and the call ends seen live. Pure: the board service gathers the inputs, already inside the
 * caller's scope and filter, and this decides every figure in one place.
 */

/** An agent of the imported roster. */
export interface RosterAgent {
  agentId: string;
  name: string | null;
  team: string | null;
  campaign: string | null;
}

/** Archived calls of one agent, team and campaign (agentId null: calls without an agent). */
export interface ArchivedActivity {
  agentId: string | null;
  agentName: string | null;
  team: string | null;
  campaign: string | null;
  /** Calls started since the day's start, their summed duration, and the latest end among them. */
  callsToday: number;
  talkMsToday: number;
  lastEndedMs: number | null;
  /** Calls started in the last 60 minutes (the day's start may be later). */
  callsLastHour: number;
}

/** A call in progress as the activity needs it. */
export interface LiveActivityCall {
  captureId: string;
  startedAtMs: number;
  agentId: string | null;
  agentName: string | null;
  team: string | null;
  campaign: string | null;
}

/** The last call end of an agent seen live in this process, or its last archived call's before today. */
export interface LastCall {
  endedMs: number;
  team: string | null;
  campaign: string | null;
}

export interface ActivityInput {
  nowMs: number;
  roster: RosterAgent[];
  archived: ArchivedActivity[];
  live: LiveActivityCall[];
  /** By agent id: the latest call end known outside today's archived rows (live ends, earlier archived calls). */
  lastCalls: Map<string, LastCall>;
  /** Agents whose call ended live today (perhaps not archived yet): listed even when nothing else knows them. */
  seenLive?: { agentId: string; name: string | null }[];
}

export interface Activity {
  agents: AgentActivity[];
  teams: GroupActivity[];
  campaigns: GroupActivity[];
}

const HOUR_MS = 3_600_000;

interface Building {
  agentId: string;
  name: string | null;
  rosterTeam: string | null;
  rosterCampaign: string | null;
  inRoster: boolean;
  calls: LiveActivityCall[];
  callsToday: number;
  talkMsToday: number;
  /** The latest end known and the team and campaign of that call. */
  last: LastCall | null;
}

function later(a: LastCall | null, b: LastCall | null): LastCall | null {
  if (!a) return b;
  if (!b) return a;
  return b.endedMs > a.endedMs ? b : a;
}

export function agentActivity(input: ActivityInput): Activity {
  const agents = new Map<string, Building>();
  const agent = (agentId: string): Building => {
    let a = agents.get(agentId);
    if (!a) {
      a = {
        agentId,
        name: null,
        rosterTeam: null,
        rosterCampaign: null,
        inRoster: false,
        calls: [],
        callsToday: 0,
        talkMsToday: 0,
        last: null,
      };
      agents.set(agentId, a);
    }
    return a;
  };
  for (const r of input.roster) {
    const a = agent(r.agentId);
    a.inRoster = true;
    a.name = r.name;
    a.rosterTeam = r.team;
    a.rosterCampaign = r.campaign;
  }
  for (const row of input.archived) {
    if (row.agentId === null) continue;
    const a = agent(row.agentId);
    a.name ??= row.agentName;
    a.callsToday += row.callsToday;
    a.talkMsToday += row.talkMsToday;
    if (row.lastEndedMs !== null) {
      a.last = later(a.last, { endedMs: row.lastEndedMs, team: row.team, campaign: row.campaign });
    }
  }
  for (const seen of input.seenLive ?? []) agent(seen.agentId).name ??= seen.name;
  for (const [agentId, last] of input.lastCalls) {
    const a = agents.get(agentId);
    if (a) a.last = later(a.last, last);
  }
  for (const call of input.live) {
    if (call.agentId === null) continue;
    const a = agent(call.agentId);
    a.name ??= call.agentName;
    a.calls.push(call);
  }

  const rows: AgentActivity[] = [];
  for (const a of agents.values()) {
    // The call an agent is on: the oldest of theirs in progress (a transfer may overlap two for a moment).
    const current = a.calls.reduce<LiveActivityCall | null>(
      (best, c) => (best === null || c.startedAtMs < best.startedAtMs ? c : best),
      null,
    );
    rows.push({
      agentId: a.agentId,
      name: a.name,
      team: a.rosterTeam ?? current?.team ?? a.last?.team ?? null,
      campaign: current ? current.campaign : (a.rosterCampaign ?? a.last?.campaign ?? null),
      state: current ? 'on_call' : 'idle',
      since: current
        ? new Date(current.startedAtMs).toISOString()
        : a.last
          ? new Date(a.last.endedMs).toISOString()
          : null,
      call: current ? { captureId: current.captureId, campaign: current.campaign } : null,
      callsToday: a.callsToday,
      talkMsToday: a.talkMsToday,
      averageHandleMs: a.callsToday > 0 ? Math.round(a.talkMsToday / a.callsToday) : null,
      inRoster: a.inRoster,
    });
  }
  rows.sort(
    (x, y) =>
      Number(y.state === 'on_call') - Number(x.state === 'on_call') ||
      (x.name ?? x.agentId).localeCompare(y.name ?? y.agentId),
  );
  return {
    agents: rows,
    teams: groups(input, rows, 'team'),
    campaigns: groups(input, rows, 'campaign'),
  };
}

/** Per team or campaign: agents busy and idle (by the agent's team or current campaign), calls in progress and per hour. */
function groups(input: ActivityInput, agents: AgentActivity[], by: 'team' | 'campaign'): GroupActivity[] {
  const out = new Map<string | null, GroupActivity>();
  const group = (key: string | null): GroupActivity => {
    let g = out.get(key);
    if (!g) {
      g = { key, busy: 0, idle: 0, inProgress: 0, callsLastHour: 0, callsToday: 0 };
      out.set(key, g);
    }
    return g;
  };
  for (const a of agents) {
    const g = group(a[by]);
    if (a.state === 'on_call') g.busy += 1;
    else g.idle += 1;
  }
  for (const call of input.live) {
    const g = group(call[by]);
    g.inProgress += 1;
    if (call.startedAtMs >= input.nowMs - HOUR_MS) g.callsLastHour += 1;
  }
  for (const row of input.archived) {
    if (row.callsToday === 0 && row.callsLastHour === 0) continue;
    const g = group(row[by]);
    g.callsToday += row.callsToday;
    g.callsLastHour += row.callsLastHour;
  }
  // Named groups by name, then the calls and agents without one.
  return [...out.values()].sort((x, y) =>
    x.key === null ? 1 : y.key === null ? -1 : x.key.localeCompare(y.key),
  );
}
