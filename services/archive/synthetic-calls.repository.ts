import { sql } from 'kysely';
import type { Db } from '../platform/database.ts';

/**
 * Bulk synthetic call metadata for benchmarks and demos (source = 'seed', no audio objects). Generated inside
 * PostgreSQL with generate_series so a million rows take seconds, with distributions that look like a collections
 * operation: a few hundred agents in teams, campaigns by portfolio, business-hour start times, long-tailed
 * durations, mobile numbers per country.
 */
export async function insertSyntheticCalls(
  db: Db,
  options: { count: number; days: number; batch?: number; onProgress?: (done: number) => void },
): Promise<void> {
  const batch = options.batch ?? 100_000;
  for (let done = 0; done < options.count; done += batch) {
    const n = Math.min(batch, options.count - done);
    await sql`
      WITH r AS (
        SELECT g,
               random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5, random() AS r6,
               random() AS r7, random() AS r8, random() AS r9,
               (floor(random() * 300))::int AS agent
        FROM generate_series(1, ${n}::int) AS g
      ), c AS (
        SELECT r.*,
          (date_trunc('day', now()) - make_interval(days => floor(r1 * ${options.days})::int)
             + make_interval(secs => 8 * 3600 + floor(r2 * 11 * 3600))) AS t0,
          greatest(3000, floor(exp(ln(1000 * 150) + 0.9 * (r3 + r4 + r5 - 1.5) * 1.5)))::int AS dur,
          (ARRAY['CO','CO','CO','CO','MX','MX','MX','ES','ES','US'])[1 + floor(r6 * 10)::int] AS country
        FROM r
      )
      INSERT INTO calls (started_at, ended_at, duration_ms, direction, caller_number, callee_number, agent_id,
                         agent_name, team, customer_ref, reason, disposition, product, campaign, source, language,
                         days_past_due, amount_due, currency, region, country, custom)
      SELECT t0, t0 + make_interval(secs => dur / 1000.0), dur,
        CASE WHEN r5 < 0.8 THEN 'outbound' ELSE 'inbound' END,
        CASE WHEN r5 < 0.8 THEN '+57601' || lpad((1000 + agent)::text, 7, '0')
             ELSE (CASE country WHEN 'CO' THEN '+573' WHEN 'MX' THEN '+5255' WHEN 'ES' THEN '+346' ELSE '+1212' END)
                  || lpad(floor(r3 * 1e8)::bigint::text, 8, '0') END,
        CASE WHEN r5 < 0.8
             THEN (CASE country WHEN 'CO' THEN '+573' WHEN 'MX' THEN '+5255' WHEN 'ES' THEN '+346' ELSE '+1212' END)
                  || lpad(floor(r4 * 1e8)::bigint::text, 8, '0')
             ELSE '+57601' || lpad((1000 + agent)::text, 7, '0') END,
        'A' || lpad(agent::text, 4, '0'),
        (ARRAY['Carolina','Andrés','María','Juan','Luisa','Santiago','Valentina','Camilo','Diana','Felipe',
               'Lucía','Javier','Paola','Mateo','Sofía'])[1 + agent % 15] || ' ' ||
        (ARRAY['Gómez','Rodríguez','Martínez','López','Hernández','García','Pérez','Sánchez','Ramírez','Torres',
               'Díaz','Vargas','Castro','Rojas','Moreno','Ortiz','Jiménez'])[1 + (agent / 15) % 17],
        'team-' || lpad((agent % 20)::text, 2, '0'),
        'CUST-' || lpad(floor(r2 * 2e6)::int::text, 7, '0'),
        (ARRAY['collection','collection','collection','reminder','negotiation','dispute','callback'])[1 + floor(r9 * 7)::int],
        (ARRAY['PTP','PTP','NO_ANSWER','NO_ANSWER','NO_ANSWER','VOICEMAIL','RPC_REFUSED','WRONG_NUMBER','THIRD_PARTY',
               'PAID','CALLBACK','DISPUTE','HUNG_UP'])[1 + floor(r8 * 13)::int],
        (ARRAY['credit_card','personal_loan','auto_loan','mortgage','telco','utilities'])[1 + floor(r7 * 6)::int],
        (ARRAY['early-stage','early-stage','mid-stage','late-stage','recovery','legal','consumer-es','consumer-mx',
               'bank-co-01','bank-co-02','telco-mx','us-cards'])[1 + (agent % 12)],
        'seed',
        CASE country WHEN 'US' THEN 'en' ELSE 'es' END,
        floor(r3 * 360)::int,
        round((50 + r4 * r4 * 20000)::numeric * CASE country WHEN 'CO' THEN 4000 WHEN 'MX' THEN 18 ELSE 1 END, 2),
        CASE country WHEN 'CO' THEN 'COP' WHEN 'MX' THEN 'MXN' WHEN 'ES' THEN 'EUR' ELSE 'USD' END,
        CASE country WHEN 'CO' THEN (ARRAY['Bogotá','Medellín','Cali','Barranquilla'])[1 + floor(r5 * 4)::int]
                     WHEN 'MX' THEN (ARRAY['CDMX','Guadalajara','Monterrey'])[1 + floor(r5 * 3)::int]
                     WHEN 'ES' THEN (ARRAY['Madrid','Barcelona','Sevilla'])[1 + floor(r5 * 3)::int]
                     ELSE 'New York' END,
        country,
        jsonb_build_object('tier', (ARRAY['gold','silver','bronze'])[1 + floor(r2 * 3)::int],
                           'portfolio', 'P' || (1 + floor(r9 * 40)::int))
      FROM c`.execute(db);
    options.onProgress?.(done + n);
  }
  await sql`ANALYZE calls`.execute(db);
}
