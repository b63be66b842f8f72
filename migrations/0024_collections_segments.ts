import { sql, type Kysely } from 'kysely';

/**
 * collections_segments: per local day, portfolio segment dimension (days past due, amount due, product, region,
 * country) and segment, the sums of collections_daily's rows of every agent, team, campaign and language together,
 * with each agent's hours in which it had calls counted once per agent and day (the agent-hours the metrics add up).
 * The segment dashboards over the whole portfolio (no call scope, no agent, team or campaign asked) read a few
 * hundred rows a month here instead of one per agent, day, team, campaign, language and segment (at 10,000,000
 * calls a year, 100,000 rows a month and p95 0.9 s for days past due). Summed again from collections_daily, day by
 * day, whenever those rows are (RollupRepository); filled here from the rows there are.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE collections_segments (
      day date NOT NULL,
      dim text NOT NULL,
      seg text,
      calls integer NOT NULL,
      contacts integer NOT NULL,
      talk_ms bigint NOT NULL,
      agent_calls integer NOT NULL,
      agent_hours integer NOT NULL,
      promising integer NOT NULL,
      promises integer NOT NULL,
      amount numeric NOT NULL,
      collected numeric NOT NULL,
      kept integer NOT NULL,
      partial integer NOT NULL,
      broken integer NOT NULL,
      pending integer NOT NULL,
      currencies text,
      analysed integer NOT NULL,
      disclosed integer NOT NULL,
      adherence_sum double precision NOT NULL,
      adherence_n integer NOT NULL,
      forbidden integer NOT NULL,
      UNIQUE NULLS NOT DISTINCT (dim, day, seg)
    )`.execute(db);
  await sql`INSERT INTO collections_segments ${SUM_SEGMENTS}`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS collections_segments`.execute(db);
}

/** The migration's own copy of what RollupRepository.sumSegments sums (migrations do not import the services). */
const SUM_SEGMENTS = sql`
  (day, dim, seg, calls, contacts, talk_ms, agent_calls, agent_hours, promising, promises, amount, collected, kept,
   partial, broken, pending, currencies, analysed, disclosed, adherence_sum, adherence_n, forbidden)
  SELECT day, dim, seg, sum(calls), sum(contacts), sum(talk_ms), sum(agent_calls), sum(agent_hours), sum(promising),
    sum(promises), sum(amount), sum(collected), sum(kept), sum(partial), sum(broken), sum(pending),
    string_agg(DISTINCT currencies, ','), sum(analysed), sum(disclosed), sum(adherence_sum), sum(adherence_n),
    sum(forbidden)
  FROM (
    SELECT day, dim, seg, agent_id, sum(calls) AS calls, sum(contacts) AS contacts, sum(talk_ms) AS talk_ms,
      sum(agent_calls) AS agent_calls, bit_count(bit_or(hours)::bit(24)) AS agent_hours,
      sum(promising) AS promising, sum(promises) AS promises, sum(amount) AS amount, sum(collected) AS collected,
      sum(kept) AS kept, sum(partial) AS partial, sum(broken) AS broken, sum(pending) AS pending,
      string_agg(DISTINCT currencies, ',') AS currencies, sum(analysed) AS analysed, sum(disclosed) AS disclosed,
      sum(adherence_sum) AS adherence_sum, sum(adherence_n) AS adherence_n, sum(forbidden) AS forbidden
    FROM collections_daily
    WHERE dim IN ('daysPastDue', 'amountDue', 'product', 'region', 'country')
    GROUP BY day, dim, seg, agent_id
  ) a
  GROUP BY day, dim, seg`;
