import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import type { Database } from '../../models/database.ts';
import type { Db } from '../platform/database.ts';
import type { ArchivedActivity, LastCall, RosterAgent } from './agent-activity.ts';

type CallsEb = ExpressionBuilder<Database, 'calls'>;
/** The caller's scope as conditions on `calls` (access/call-scope.ts scopeConditions). */
export type Scope = (eb: CallsEb) => Expression<SqlBool>[];

export interface ActivityFilter {
  team?: string | undefined;
  campaign?: string | undefined;
}

/**
 * The agent roster and what the archive knows of agents' work today: calls, talk time and last call end per agent,
 * team and campaign. Reads `calls` through calls_started_at_idx (the day's range) and calls_agent_id_started_idx
 * (an agent's last call); every query takes the caller's scope conditions.
 */
export class AgentActivityRepository {
  constructor(private readonly db: Db) {}

  /** Archived calls started since `since` (the earlier of the day's start and an hour ago), grouped. */
  async archived(
    dayStart: Date,
    hourAgo: Date,
    filter: ActivityFilter,
    scope: Scope,
  ): Promise<ArchivedActivity[]> {
    const since = dayStart < hourAgo ? dayStart : hourAgo;
    let q = this.db
      .selectFrom('calls')
      .where('calls.started_at', '>=', since)
      .where((eb) => eb.and(scope(eb)));
    if (filter.team) q = q.where('calls.team', '=', filter.team);
    if (filter.campaign) q = q.where('calls.campaign', '=', filter.campaign);
    const rows = await q
      .select([
        'calls.agent_id',
        'calls.team',
        'calls.campaign',
        sql<string | null>`max(calls.agent_name)`.as('agent_name'),
        sql<string>`count(*) filter (where calls.started_at >= ${dayStart})`.as('calls_today'),
        sql<string | null>`sum(calls.duration_ms) filter (where calls.started_at >= ${dayStart})`.as('talk'),
        sql<Date | null>`max(calls.ended_at) filter (where calls.started_at >= ${dayStart})`.as('last_end'),
        sql<string>`count(*) filter (where calls.started_at >= ${hourAgo})`.as('last_hour'),
      ])
      .groupBy(['calls.agent_id', 'calls.team', 'calls.campaign'])
      .execute();
    return rows.map((r) => ({
      agentId: r.agent_id,
      agentName: r.agent_name,
      team: r.team,
      campaign: r.campaign,
      callsToday: Number(r.calls_today),
      talkMsToday: Number(r.talk ?? 0),
      lastEndedMs: r.last_end ? new Date(r.last_end).getTime() : null,
      callsLastHour: Number(r.last_hour),
    }));
  }

  /** The end of each agent's latest archived call before `before` (one index descent per agent). */
  async lastCalls(agentIds: string[], before: Date, scope: Scope): Promise<Map<string, LastCall>> {
    const out = new Map<string, LastCall>();
    if (agentIds.length === 0) return out;
    const rows = await this.db
      .selectFrom(
        sql<{ agent_id: string }>`(select unnest(${sql.val(agentIds)}::text[]) as agent_id)`.as('a'),
      )
      .innerJoinLateral(
        (eb) =>
          eb
            .selectFrom('calls')
            .select(['calls.ended_at', 'calls.team', 'calls.campaign'])
            .whereRef('calls.agent_id', '=', 'a.agent_id')
            .where('calls.started_at', '<', before)
            .where((w) => w.and(scope(w as unknown as CallsEb)))
            .orderBy('calls.started_at', 'desc')
            .orderBy('calls.id', 'desc')
            .limit(1)
            .as('last'),
        (join) => join.onTrue(),
      )
      .select(['a.agent_id', 'last.ended_at', 'last.team', 'last.campaign'])
      .execute();
    for (const r of rows) {
      out.set(r.agent_id, {
        endedMs: new Date(r.ended_at).getTime(),
        team: r.team,
        campaign: r.campaign,
      });
    }
    return out;
  }

  async roster(filter: ActivityFilter): Promise<RosterAgent[]> {
    let q = this.db.selectFrom('agent_roster').select(['agent_id', 'name', 'team', 'campaign']);
    if (filter.team) q = q.where('team', '=', filter.team);
    if (filter.campaign) q = q.where('campaign', '=', filter.campaign);
    const rows = await q.orderBy('agent_id').execute();
    return rows.map((r) => ({ agentId: r.agent_id, name: r.name, team: r.team, campaign: r.campaign }));
  }

  /** Adds or replaces roster agents by id, all in one transaction; with `replace`, agents not named are removed. */
  async importRoster(agents: RosterAgent[], options: { replace: boolean }): Promise<{ removed: number }> {
    return this.db.transaction().execute(async (trx) => {
      let removed = 0;
      if (options.replace) {
        const ids = agents.map((a) => a.agentId);
        const result = await trx
          .deleteFrom('agent_roster')
          .$if(ids.length > 0, (q) => q.where('agent_id', 'not in', ids))
          .executeTakeFirst();
        removed = Number(result.numDeletedRows);
      }
      for (let i = 0; i < agents.length; i += 500) {
        await trx
          .insertInto('agent_roster')
          .values(
            agents.slice(i, i + 500).map((a) => ({
              agent_id: a.agentId,
              name: a.name,
              team: a.team,
              campaign: a.campaign,
            })),
          )
          .onConflict((oc) =>
            oc.column('agent_id').doUpdateSet((eb) => ({
              name: eb.ref('excluded.name'),
              team: eb.ref('excluded.team'),
              campaign: eb.ref('excluded.campaign'),
              updated_at: sql`now()`,
            })),
          )
          .execute();
      }
      return { removed };
    });
  }
}
