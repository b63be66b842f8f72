import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Caller } from '../../../services/access/caller.ts';
import type { Principal } from '../../../services/access/principal.ts';
import type { CallMetadata } from '../../../models/call.ts';
import type { LiveCallInfo } from '../../../services/capture/live.tap.ts';
import { agentActivity, type ArchivedActivity } from '../../../services/live/agent-activity.ts';
import type { AgentActivityRepository } from '../../../services/live/agent-activity.repository.ts';
import { AgentRosterService, readRosterCsv } from '../../../services/live/agent-roster.ts';
import { ARCHIVE_READ_MS, LiveBoardService, type BoardMessage } from '../../../services/live/live.board.ts';
import { LiveHub } from '../../../services/live/live.hub.ts';
import { silentLogger } from '../../../services/platform/logger.ts';

const T0 = Date.parse('2026-03-02T15:00:00Z');
const DAY = new Date('2026-03-02T05:00:00Z');

function caller(p: Partial<Principal> = {}): Caller {
  return {
    principal: {
      kind: 'user',
      id: 'u1',
      keyId: null,
      name: 'someone',
      role: 'qa_supervisor',
      languages: [],
      teams: [],
      agentId: null,
      ...p,
    },
    client: { ip: null, userAgent: null },
  };
}
const admin = caller({ role: 'admin' });

function info(captureId: string, metadata: Partial<CallMetadata>, startedAtMs = T0): LiveCallInfo {
  return {
    captureId,
    source: 'siprec',
    startedAtMs,
    metadata: metadata as CallMetadata,
    pausedSinceMs: null,
  };
}

/** An in-memory stand-in for the repository: what the database would answer, as given. */
function repository(
  data: { archived?: ArchivedActivity[]; roster?: { agentId: string; team: string | null }[] } = {},
) {
  const imported: unknown[] = [];
  const reads = { archived: 0 };
  const repo = {
    archived: async () => {
      reads.archived += 1;
      return data.archived ?? [];
    },
    roster: async () =>
      (data.roster ?? []).map((r) => ({ agentId: r.agentId, name: null, team: r.team, campaign: null })),
    lastCalls: async () => new Map(),
    importRoster: async (agents: unknown[]) => {
      imported.push(...agents);
      return { removed: 0 };
    },
  };
  return { repo: repo as unknown as AgentActivityRepository, imported, reads };
}

function board(now = () => T0 + 65_000, data?: Parameters<typeof repository>[0]) {
  const hub = new LiveHub({ logger: silentLogger() });
  const { repo, reads } = repository(data);
  const service = new LiveBoardService({ hub, activity: repo, now, dayStart: () => DAY });
  return { hub, service, reads };
}

const tone = (amplitude: number) =>
  Int16Array.from({ length: 160 }, (_, i) => Math.round(amplitude * Math.sin(i / 3)));

describe('the live board', () => {
  it('shows each principal the calls in progress of its scope, as the archive would', () => {
    const { hub, service } = board();
    hub.started(
      info('c1', {
        agentId: 'a1',
        agentName: 'Ana',
        team: 'norte',
        campaign: 'mora-30',
        direction: 'inbound',
        callerNumber: '+573001112233',
        calleeNumber: '4711',
        language: 'es',
        country: 'CO',
      }),
    );
    hub.started(info('c2', { agentId: 'a2', team: 'sur', direction: 'outbound', calleeNumber: '+5255123' }));
    hub.started(info('c3', {}));

    const all = service.calls(admin, {});
    expect(all.items.map((c) => c.captureId)).toEqual(['c1', 'c2', 'c3']);
    expect(all.items[0]).toEqual({
      captureId: 'c1',
      source: 'siprec',
      startedAt: new Date(T0).toISOString(),
      durationMs: 65_000,
      agentId: 'a1',
      agentName: 'Ana',
      team: 'norte',
      campaign: 'mora-30',
      customerNumber: '+573001112233',
      direction: 'inbound',
      country: 'CO',
      language: 'es',
      pausedSince: null,
      levels: { agent: null, customer: null },
    });
    // The customer of an outbound call is its callee; without a direction it is unknown.
    expect(all.items[1]!.customerNumber).toBe('+5255123');
    expect(all.items[2]!.customerNumber).toBeNull();

    const ids = (c: Caller, filter = {}) => service.calls(c, filter).items.map((x) => x.captureId);
    expect(ids(caller({ role: 'agent', agentId: 'a2' }))).toEqual(['c2']);
    // An agent account without an agent id sees no call, like in the archive.
    expect(ids(caller({ role: 'agent', agentId: null }))).toEqual([]);
    expect(ids(caller({ teams: ['norte'] }))).toEqual(['c1']);
    // A language scope admits the call in that language only (c2's language is not known yet).
    expect(ids(caller({ languages: ['es'] }))).toEqual(['c1']);
    expect(ids(admin, { campaign: 'mora-30' })).toEqual(['c1']);
    expect(ids(admin, { team: 'sur' })).toEqual(['c2']);
  });

  it('streams a snapshot, then starts, updates, levels and ends, each only to streams that may see it', () => {
    const { hub, service } = board();
    hub.started(info('c1', { agentId: 'a1', team: 'norte' }));
    const norte: BoardMessage[] = [];
    const sur: BoardMessage[] = [];
    const stopNorte = service.watch(caller({ teams: ['norte'] }), {}, (m) => norte.push(m));
    service.watch(caller({ teams: ['sur'] }), {}, (m) => sur.push(m));
    expect(norte[0]).toMatchObject({ event: 'snapshot', data: { items: [{ captureId: 'c1' }] } });
    expect(sur[0]).toMatchObject({ event: 'snapshot', data: { items: [] } });

    hub.started(info('c2', { agentId: 'a2', team: 'sur' }));
    hub.updated({
      ...info('c1', { agentId: 'a1', team: 'norte', campaign: 'mora-30' }),
      pausedSinceMs: T0 + 5000,
    });
    expect(norte.slice(1).map((m) => m.event)).toEqual(['updated']);
    expect(norte[1]).toMatchObject({
      data: { campaign: 'mora-30', pausedSince: new Date(T0 + 5000).toISOString() },
    });
    expect(sur.slice(1)).toMatchObject([{ event: 'started', data: { captureId: 'c2' } }]);

    // Levels go out once per tick, only those that changed, only to streams that see the call.
    hub.audio('c1', {
      channel: 0,
      track: 0,
      sampleRate: 8000,
      position: 0,
      arrivalMs: T0,
      samples: tone(8000),
      voiced: true,
    });
    service.tick();
    const levels = norte.filter((m) => m.event === 'levels');
    expect(levels).toHaveLength(1);
    expect(levels[0]).toMatchObject({ data: { items: [{ captureId: 'c1', customer: null }] } });
    expect((levels[0] as { data: { items: { agent: number }[] } }).data.items[0]!.agent).toBeLessThan(0);
    service.tick();
    expect(norte.filter((m) => m.event === 'levels')).toHaveLength(1);
    expect(sur.some((m) => m.event === 'levels')).toBe(false);

    // Metadata that moves a call out of a stream's scope removes it there and shows it where it now belongs.
    hub.updated(info('c2', { agentId: 'a2', team: 'norte' }));
    expect(sur.at(-1)).toEqual({ event: 'removed', data: { captureId: 'c2' } });
    expect(norte.at(-1)).toMatchObject({ event: 'started', data: { captureId: 'c2', team: 'norte' } });

    hub.ended('c1', T0 + 90_000, 'bye');
    expect(norte.at(-1)).toEqual({
      event: 'ended',
      data: {
        captureId: 'c1',
        endedAt: new Date(T0 + 90_000).toISOString(),
        durationMs: 90_000,
        reason: 'bye',
      },
    });
    expect(sur.some((m) => m.event === 'ended')).toBe(false);

    // A stream that stopped hears nothing more; a closed board tells no stream anything.
    stopNorte();
    const before = norte.length;
    hub.started(info('c4', { team: 'norte' }));
    expect(norte).toHaveLength(before);
    const surBefore = sur.length;
    service.close();
    hub.started(info('c5', { team: 'sur' }));
    expect(sur).toHaveLength(surBefore);
  });

  it('makes capture decode audio for levels only while a stream is open, whichever way it goes', () => {
    const { hub, service } = board();
    hub.started(info('c1', { agentId: 'a1' }));
    expect(hub.wantsAudio('c1')).toBe(false);
    const stopOne = service.watch(admin, {}, () => undefined);
    const stopTwo = service.watch(admin, {}, () => undefined);
    expect(hub.wantsAudio('c1')).toBe(true);
    stopOne();
    stopOne(); // said twice by the router and the socket's close: counted once
    expect(hub.wantsAudio('c1')).toBe(true);
    stopTwo();
    expect(hub.wantsAudio('c1')).toBe(false);

    // A client that cannot take a message is dropped, and so is its claim on the levels.
    let broken = false;
    service.watch(admin, {}, () => {
      if (broken) throw new Error('socket gone');
    });
    broken = true;
    hub.audio('c1', {
      channel: 0,
      track: 0,
      sampleRate: 8000,
      position: 0,
      arrivalMs: T0,
      samples: tone(8000),
      voiced: true,
    });
    service.tick();
    expect(hub.wantsAudio('c1')).toBe(false);
    expect(hub.call('c1')!.levels).toEqual([null, null]);

    service.watch(admin, {}, () => undefined);
    service.close();
    expect(hub.wantsAudio('c1')).toBe(false);
  });

  it('keeps a stream whose client fails from stopping the others', () => {
    const { hub, service } = board();
    const good: BoardMessage[] = [];
    service.watch(admin, {}, (m) => {
      if (m.event !== 'snapshot') throw new Error('socket gone');
    });
    service.watch(admin, {}, (m) => good.push(m));
    hub.started(info('c1', {}));
    hub.started(info('c2', {}));
    expect(good.map((m) => m.event)).toEqual(['snapshot', 'started', 'started']);
    service.close();
  });
});

describe('agent activity', () => {
  const now = T0 + 30 * 60_000;
  const archived = (row: Partial<ArchivedActivity>): ArchivedActivity => ({
    agentId: null,
    agentName: null,
    team: null,
    campaign: null,
    callsToday: 0,
    talkMsToday: 0,
    lastEndedMs: null,
    callsLastHour: 0,
    ...row,
  });

  it('says who is on a call since when, who is idle since when, and their calls, talk time and handle time today', () => {
    const activity = agentActivity({
      nowMs: now,
      roster: [
        { agentId: 'a1', name: 'Ana', team: 'norte', campaign: 'mora-30' },
        { agentId: 'a3', name: 'Carla', team: 'norte', campaign: 'mora-60' },
        { agentId: 'a4', name: 'Dora', team: 'sur', campaign: null },
      ],
      archived: [
        archived({
          agentId: 'a1',
          team: 'norte',
          campaign: 'mora-30',
          callsToday: 3,
          talkMsToday: 540_000,
          lastEndedMs: T0 - 60_000,
          callsLastHour: 2,
        }),
        archived({
          agentId: 'a1',
          team: 'norte',
          campaign: 'mora-60',
          callsToday: 1,
          talkMsToday: 60_001,
          lastEndedMs: T0 - 600_000,
          callsLastHour: 0,
        }),
        archived({
          agentId: 'a2',
          agentName: 'Beto',
          team: 'sur',
          campaign: 'mora-30',
          callsToday: 2,
          talkMsToday: 200_000,
          lastEndedMs: T0 + 60_000,
          callsLastHour: 2,
        }),
        archived({
          agentId: null,
          team: 'sur',
          campaign: null,
          callsToday: 5,
          talkMsToday: 10,
          callsLastHour: 1,
        }),
      ],
      live: [
        {
          captureId: 'c9',
          startedAtMs: T0,
          agentId: 'a1',
          agentName: 'Ana',
          team: 'norte',
          campaign: 'mora-60',
        },
        {
          captureId: 'c8',
          startedAtMs: now - 2 * 3_600_000,
          agentId: null,
          agentName: null,
          team: 'sur',
          campaign: null,
        },
      ],
      lastCalls: new Map([['a3', { endedMs: T0 - 86_400_000, team: 'norte', campaign: 'mora-60' }]]),
    });
    const byId = Object.fromEntries(activity.agents.map((a) => [a.agentId, a]));
    expect(activity.agents.map((a) => a.agentId)).toEqual(['a1', 'a2', 'a3', 'a4']);
    expect(byId.a1).toEqual({
      agentId: 'a1',
      name: 'Ana',
      team: 'norte',
      campaign: 'mora-60',
      state: 'on_call',
      since: new Date(T0).toISOString(),
      call: { captureId: 'c9', campaign: 'mora-60' },
      callsToday: 4,
      talkMsToday: 600_001,
      averageHandleMs: 150_000,
      inRoster: true,
    });
    // Not in the roster: known from today's archive, idle since their last call ended.
    expect(byId.a2).toMatchObject({ name: 'Beto', team: 'sur', campaign: 'mora-30', state: 'idle' });
    expect(byId.a2!.since).toBe(new Date(T0 + 60_000).toISOString());
    expect(byId.a2!.inRoster).toBe(false);
    // No call today: idle since yesterday's last call, no handle time.
    expect(byId.a3).toMatchObject({
      state: 'idle',
      callsToday: 0,
      averageHandleMs: null,
      campaign: 'mora-60',
    });
    expect(byId.a3!.since).toBe(new Date(T0 - 86_400_000).toISOString());
    // Never seen on a call: idle, since unknown.
    expect(byId.a4).toMatchObject({ state: 'idle', since: null, call: null });

    expect(activity.teams).toEqual([
      { key: 'norte', busy: 1, idle: 1, inProgress: 1, callsLastHour: 3, callsToday: 4 },
      { key: 'sur', busy: 0, idle: 2, inProgress: 1, callsLastHour: 3, callsToday: 7 },
    ]);
    expect(activity.campaigns).toEqual([
      { key: 'mora-30', busy: 0, idle: 1, inProgress: 0, callsLastHour: 4, callsToday: 5 },
      { key: 'mora-60', busy: 1, idle: 1, inProgress: 1, callsLastHour: 1, callsToday: 1 },
      { key: null, busy: 0, idle: 1, inProgress: 1, callsLastHour: 1, callsToday: 5 },
    ]);
  });

  it('lists only the agents of the caller’s scope, and remembers a call end seen live as the start of idleness', async () => {
    const { hub, service } = board(() => now, {
      roster: [
        { agentId: 'a1', team: 'norte' },
        { agentId: 'a2', team: 'sur' },
      ],
    });
    hub.started(info('c1', { agentId: 'a1', team: 'norte', campaign: 'mora-30' }));
    hub.ended('c1', T0 + 120_000, 'bye');
    // Known only from a call that ended live (not archived yet): still listed, idle, in its team's scope.
    hub.started(info('c2', { agentId: 'a9', agentName: 'Nora', team: 'sur' }));
    hub.ended('c2', T0 + 180_000, 'bye');
    const own = await service.agents(caller({ role: 'agent', agentId: 'a1' }), {});
    expect(own.agents.map((a) => [a.agentId, a.state, a.since])).toEqual([
      ['a1', 'idle', new Date(T0 + 120_000).toISOString()],
    ]);
    expect(own.dayStart).toBe(DAY.toISOString());
    const sur = await service.agents(caller({ teams: ['sur'] }), {});
    expect(sur.agents.map((a) => [a.agentId, a.state, a.since])).toEqual([
      ['a2', 'idle', null],
      ['a9', 'idle', new Date(T0 + 180_000).toISOString()],
    ]);
    const all = await service.agents(admin, {});
    expect(all.agents.map((a) => a.agentId)).toEqual(['a1', 'a2', 'a9']);
    service.close();
  });

  it('reads the archive at most once per few seconds for one scope and filter, however many boards ask', async () => {
    let at = now;
    const { service, reads } = board(() => at);
    await Promise.all([service.agents(admin, {}), service.agents(admin, {}), service.agents(admin, {})]);
    expect(reads.archived).toBe(1);
    await service.agents(admin, { team: 'norte' });
    await service.agents(caller({ teams: ['norte'] }), {});
    expect(reads.archived).toBe(3);
    at += ARCHIVE_READ_MS;
    await service.agents(admin, {});
    expect(reads.archived).toBe(4);
    service.close();
  });

  it('imports the roster and records it in the audit trail', async () => {
    const { repo, imported } = repository();
    const audits: unknown[] = [];
    const roster = new AgentRosterService({
      repository: repo,
      auditor: { recordFor: async (_c, e) => audits.push(e) },
    });
    const result = await roster.import(
      admin,
      [{ agentId: 'a1', name: 'Ana', team: 'norte', campaign: null }],
      {
        replace: false,
      },
    );
    expect(result).toEqual({ imported: 1, removed: 0 });
    expect(imported).toHaveLength(1);
    expect(audits).toEqual([
      {
        action: 'agents_import',
        targetType: 'agent_roster',
        details: { agents: 1, removed: 0, replace: false },
      },
    ]);
  });

  it('reads a roster CSV, with every bad row and its line', async () => {
    const good = await readRosterCsv(
      Readable.from([
        '\ufeffAgent_ID,Name,Team,Campaign,extra\n',
        'a1,Ana Gómez,norte,mora-30,x\n',
        '\n',
        'a2,,sur,\n',
      ]),
    );
    expect(good).toEqual({
      agents: [
        { agentId: 'a1', name: 'Ana Gómez', team: 'norte', campaign: 'mora-30' },
        { agentId: 'a2', name: null, team: 'sur', campaign: null },
      ],
      problems: [],
    });
    const bad = await readRosterCsv(Readable.from(['agent_id,team\n', ',norte\n', 'a1,sur\n', 'a1,norte\n']));
    expect(bad.problems).toEqual([
      { line: 2, problem: 'no agent_id' },
      { line: 4, problem: 'agent a1 is on line 3 too' },
    ]);
    const headless = await readRosterCsv(Readable.from(['name,team\n', 'Ana,norte\n']));
    expect(headless.problems).toEqual([{ line: 1, problem: 'the header names no agent_id column' }]);
  });
});
