import { useEffect, useRef, useState } from 'preact/hooks';
import {
  api,
  queryString,
  type AgentActivity,
  type GroupActivity,
  type LiveAgents,
  type LiveCall,
  type LiveStreamEvent,
} from '../api.ts';
import { ColumnHeads, LoadState, Panel, useAsync } from '../components/common.tsx';
import { FilterForm, useReportFilter } from '../components/report-filter.tsx';
import { formatDuration } from '../format.ts';
import { useI18n, type MessageKey } from '../i18n.ts';
import { liveCallHref, openEvents, useNow } from '../live-alerts.ts';
import { labelOf } from '../labels.ts';

/** Where the live view of one call (listening, live transcript) lives in the UI. */

/** The lowest level a meter shows (dBFS): quieter is shown empty. */
const FLOOR_DB = -60;

/** `lost`: the browser gave the stream up (it will not reconnect by itself). */
type Connection = 'connecting' | 'open' | 'reconnecting' | 'lost';
const CONNECTION_MESSAGE = {
  connecting: 'live_connecting',
  open: 'live_connected',
  reconnecting: 'live_reconnecting',
  lost: 'live_lost',
} as const satisfies Record<Connection, string>;

/** The board's events by name, with their data (GET /live/events). */
type BoardEvents = { [M in LiveStreamEvent as M['event']]: M['data'] };

/**
 * The calls in progress of the server's capture as its event stream tells them (GET /live/events): a snapshot, then
 * each start, change and end as it happens and the levels once a second. Durations tick on the browser's clock,
 * corrected by the server's time of the snapshot. `onChange` hears of each start and end (to refresh the agents).
 */
function useLiveCalls(filter: Record<string, string>, onChange: () => void) {
  const [calls, setCalls] = useState<Map<string, LiveCall>>(new Map());
  const [connection, setConnection] = useState<Connection>('connecting');
  const [skewMs, setSkewMs] = useState(0);
  const changed = useRef(onChange);
  changed.current = onChange;
  const query = queryString(filter);
  useEffect(() => {
    setConnection('connecting');
    const update = (change: (next: Map<string, LiveCall>) => void) =>
      setCalls((before) => {
        const next = new Map(before);
        change(next);
        return next;
      });
    const gone = (c: { captureId: string }) => {
      update((m) => m.delete(c.captureId));
      changed.current();
    };
    return openEvents<BoardEvents>(
      `/live/events${query}`,
      {
        snapshot: (s) => {
          setSkewMs(Date.parse(s.asOf) - Date.now());
          setCalls(new Map(s.items.map((c) => [c.captureId, c])));
          setConnection('open');
        },
        started: (c) => {
          update((m) => m.set(c.captureId, c));
          changed.current();
        },
        updated: (c) => update((m) => m.set(c.captureId, c)),
        ended: gone,
        removed: gone,
        levels: (l) =>
          update((m) => {
            for (const x of l.items) {
              const c = m.get(x.captureId);
              if (c) m.set(x.captureId, { ...c, levels: { agent: x.agent, customer: x.customer } });
            }
          }),
      },
      {
        onOpen: () => setConnection('open'),
        onError: (givenUp) => setConnection(givenUp ? 'lost' : 'reconnecting'),
      },
    );
  }, [query]);
  return { calls: [...calls.values()], connection, skewMs };
}

function Level({ db, party }: { db: number | null; party: 'agent' | 'customer' }) {
  const { t } = useI18n();
  const shown = db === null ? FLOOR_DB : Math.max(FLOOR_DB, Math.min(0, db));
  const label = t('live_levelOf', {
    party: t(party),
    value: db === null ? t('live_noAudio') : `${Math.round(db)} dBFS`,
  });
  return (
    <meter
      class={`level level-${party}`}
      min={FLOOR_DB}
      max={0}
      low={-30}
      high={-6}
      optimum={-20}
      value={shown}
      aria-label={label}
      title={label}
    />
  );
}

function CallsTable({ calls, now }: { calls: LiveCall[]; now: number }) {
  const { t } = useI18n();
  const dash = t('none');
  return (
    <div class="table-wrap">
      <table class="live-calls">
        <ColumnHeads
          labels={[
            t('agent'),
            t('team'),
            t('campaign'),
            t('customer'),
            t('direction'),
            t('live_duration'),
            t('live_levels'),
            t('live_state'),
            t('source'),
            t('country'),
            t('live_links'),
          ]}
        />
        <tbody>
          {calls.map((c) => (
            <tr key={c.captureId} data-capture-id={c.captureId}>
              <td>{c.agentName ? `${c.agentName} (${c.agentId ?? dash})` : (c.agentId ?? dash)}</td>
              <td>{c.team ?? dash}</td>
              <td>{c.campaign ?? dash}</td>
              <td>{c.customerNumber ?? dash}</td>
              <td>{c.direction ? t(c.direction) : dash}</td>
              <td class="num" data-testid="live-duration">
                <time dateTime={c.startedAt}>{formatDuration(now - Date.parse(c.startedAt))}</time>
              </td>
              <td class="levels">
                <Level db={c.levels.agent} party="agent" />
                <Level db={c.levels.customer} party="customer" />
              </td>
              <td>
                {c.pausedSince ? (
                  <span class="badge warn">{t('live_paused')}</span>
                ) : (
                  <span class="badge status-done">{t('live_recording')}</span>
                )}
              </td>
              <td>{labelOf(t, 'source_', c.source)}</td>
              <td>{c.country ?? dash}</td>
              <td class="live-links">
                <a href={liveCallHref(c.captureId)}>{t('live_listen')}</a>{' '}
                <a href={`${liveCallHref(c.captureId)}#transcript`}>{t('liveTranscriptTitle')}</a>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function AgentsTable({ agents, now }: { agents: AgentActivity[]; now: number }) {
  const { t } = useI18n();
  const dash = t('none');
  return (
    <div class="table-wrap">
      <table class="live-agents">
        <ColumnHeads
          labels={[
            t('agent'),
            t('team'),
            t('campaign'),
            t('live_state'),
            t('live_since'),
            t('live_callsToday'),
            t('live_talkToday'),
            t('live_aht'),
          ]}
        />
        <tbody>
          {agents.map((a) => (
            <tr key={a.agentId}>
              <td>{a.name ? `${a.name} (${a.agentId})` : a.agentId}</td>
              <td>{a.team ?? dash}</td>
              <td>{a.campaign ?? dash}</td>
              <td>
                <span class={`badge ${a.state === 'on_call' ? 'warn' : 'status-done'}`}>
                  {t(a.state === 'on_call' ? 'live_onCall' : 'live_idle')}
                </span>
              </td>
              <td class="num">
                {a.since ? <time dateTime={a.since}>{formatDuration(now - Date.parse(a.since))}</time> : dash}
              </td>
              <td class="num">{a.callsToday}</td>
              <td class="num">{formatDuration(a.talkMsToday)}</td>
              <td class="num">{a.averageHandleMs === null ? dash : formatDuration(a.averageHandleMs)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function GroupsTable({ title, rows }: { title: MessageKey; rows: GroupActivity[] }) {
  const { t } = useI18n();
  return (
    <div class="table-wrap">
      <table class="live-groups">
        <caption>{t(title)}</caption>
        <ColumnHeads
          labels={[
            t(title === 'live_byTeam' ? 'team' : 'campaign'),
            t('live_busy'),
            t('live_idleAgents'),
            t('live_inProgress'),
            t('live_perHour'),
            t('live_callsToday'),
          ]}
        />
        <tbody>
          {rows.map((g) => (
            <tr key={g.key ?? ''}>
              <td>{g.key ?? t('live_noKey')}</td>
              <td class="num">{g.busy}</td>
              <td class="num">{g.idle}</td>
              <td class="num">{g.inProgress}</td>
              <td class="num">{g.callsLastHour}</td>
              <td class="num">{g.callsToday}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** "En vivo / Live": the calls being recorded now and what each agent is doing, filtered by team and campaign. */
export function LivePage() {
  const { t, lang } = useI18n();
  const { filter, apply, field } = useReportFilter('lv');
  const agents = useAsync(() => api<LiveAgents>('/live/agents', { query: filter }), [JSON.stringify(filter)]);
  // Starts and ends change who is busy: the agents are asked again at most once a second, and every 30 s anyway.
  const pending = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const refreshAgents = () => {
    pending.current ??= setTimeout(() => {
      pending.current = undefined;
      agents.reload();
    }, 1000);
  };
  useEffect(() => {
    const timer = setInterval(() => agents.reload(), 30_000);
    return () => {
      clearInterval(timer);
      if (pending.current) clearTimeout(pending.current);
    };
  }, []);
  const live = useLiveCalls(filter, refreshAgents);
  const now = useNow(live.skewMs);
  const a = agents.data;
  return (
    <div>
      <h1>{t('liveTitle')}</h1>
      <FilterForm onSubmit={apply}>
        {field('team', 'team')}
        {field('campaign', 'campaign')}
      </FilterForm>
      <Panel
        title={t('live_calls')}
        id="live-calls"
        actions={
          <p class="muted" role="status" aria-live="polite">
            {t(CONNECTION_MESSAGE[live.connection])}
          </p>
        }
      >
        {live.calls.length === 0 ? (
          <p class="muted">{t('live_noCalls')}</p>
        ) : (
          <CallsTable calls={live.calls} now={now} />
        )}
      </Panel>
      <Panel
        title={t('live_agents')}
        id="live-agents"
        actions={
          a && (
            <p class="muted">
              {t('live_updatedAt', {
                time: new Date(a.asOf).toLocaleTimeString(lang === 'es' ? 'es-CO' : 'en-US'),
              })}
            </p>
          )
        }
      >
        <LoadState of={agents} />
        {a && a.agents.length === 0 && <p class="muted">{t('live_noAgents')}</p>}
        {a && a.agents.length > 0 && <AgentsTable agents={a.agents} now={now} />}
        {a && (a.teams.length > 0 || a.campaigns.length > 0) && (
          <div class="live-group-tables">
            <GroupsTable title="live_byTeam" rows={a.teams} />
            <GroupsTable title="live_byCampaign" rows={a.campaigns} />
          </div>
        )}
      </Panel>
    </div>
  );
}
