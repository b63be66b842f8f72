import { sql } from 'kysely';
import type { Db } from '../platform/database.ts';

/**
 * Collections demo data, generated inside PostgreSQL for the seeded calls (source `seed`, services/archive/
 * synthetic-calls.repository.ts) that have no analysis yet: an analysis row with what the collections metrics read
 * (whether the customer spoke, the recording notice, adherence, forbidden practices), a promise to pay in about a
 * third of the calls where the customer spoke, and the account's payments: about half of the promises paid in full
 * before they are due, some in part, some late, the rest never. Returns how many promises and payments it made.
 */
export async function insertCollectionsDemo(
  db: Db,
): Promise<{ analysed: number; promises: number; payments: number }> {
  return db.transaction().execute(async (trx) => {
    const analysed = await sql`
      INSERT INTO call_analysis (call_id, analytics_version, language, disclosure_profile, disclosure_outcome,
                                 adherence_score, adherence_passed, promise_to_pay, classification, violations, result)
      SELECT c.id, 1, coalesce(c.language, 'es'), 'co',
             CASE WHEN x.r1 < 0.8 THEN 'disclosed' WHEN x.r1 < 0.93 THEN 'partial' ELSE 'missing' END,
             round(50 + x.r2 * 50), 50 + x.r2 * 50 >= 70, x.contact AND x.r3 < 0.35, 'right_party',
             CASE WHEN x.r4 < 0.04 THEN ARRAY['threat'] ELSE ARRAY[]::text[] END,
             jsonb_build_object('talk', jsonb_build_object('speakers',
               CASE WHEN x.contact THEN '{"agent":{},"customer":{}}'::jsonb ELSE '{"agent":{}}'::jsonb END))
      FROM (SELECT c.id AS call_id, random() AS r1, random() AS r2, random() AS r3, random() AS r4,
                   random() < 0.7 AS contact
            FROM calls c
            WHERE c.source = 'seed' AND NOT EXISTS (SELECT 1 FROM call_analysis a WHERE a.call_id = c.id)) x
      JOIN calls c ON c.id = x.call_id`.execute(trx);
    const promises = await sql`
      INSERT INTO payment_promises (call_id, ordinal, account, made_at, kind, moment_ms, quote, detected_amount,
                                    detected_currency, detected_due_date, amount, currency, due_date, window_end)
      SELECT c.id, 0, c.customer_ref, c.started_at, 'statement', least(c.duration_ms - 1000, 45000),
             'le pago el viernes', p.amount, coalesce(c.currency, 'COP'), p.due, p.amount,
             coalesce(c.currency, 'COP'), p.due, p.due
      FROM (SELECT c.id AS call_id,
                   greatest(1000, round((coalesce(c.amount_due, 500000) * (0.2 + random() * 0.8))::numeric, -3)) AS amount,
                   ((c.started_at AT TIME ZONE 'UTC')::date + (1 + floor(random() * 10))::int) AS due
            FROM calls c
            JOIN call_analysis a ON a.call_id = c.id AND a.promise_to_pay
            WHERE c.source = 'seed' AND c.customer_ref IS NOT NULL) p
      JOIN calls c ON c.id = p.call_id
      ON CONFLICT (call_id, ordinal) DO NOTHING`.execute(trx);
    const payments = await sql`
      INSERT INTO payments (external_id, account, amount, currency, paid_at, channel, source)
      SELECT 'DEMO-' || p.id, p.account,
             CASE WHEN x.r < 0.5 THEN p.amount WHEN x.r < 0.65 THEN round(p.amount * 0.4, 2) ELSE p.amount END,
             p.currency,
             CASE WHEN x.r < 0.65 THEN p.made_at + (p.due_date - (p.made_at AT TIME ZONE 'UTC')::date) * x.f * interval '1 day'
                  ELSE p.due_date + interval '12 days' END,
             (ARRAY['pse', 'bank', 'card', 'cash'])[1 + floor(random() * 4)::int], 'file'
      FROM (SELECT p.*, random() AS r, random() AS f
            FROM payment_promises p
            JOIN calls c ON c.id = p.call_id AND c.source = 'seed') p
      CROSS JOIN LATERAL (SELECT p.r AS r, p.f AS f) x
      WHERE x.r < 0.75 AND (x.r < 0.65 OR p.due_date + 12 <= current_date)
      ON CONFLICT (external_id) DO NOTHING`.execute(trx);
    return {
      analysed: Number(analysed.numAffectedRows ?? 0),
      promises: Number(promises.numAffectedRows ?? 0),
      payments: Number(payments.numAffectedRows ?? 0),
    };
  });
}

/** Whether the collections demo was loaded (its payments are there). */
export async function hasCollectionsDemo(db: Db): Promise<boolean> {
  const r = await sql<{ found: boolean }>`
    SELECT EXISTS (SELECT 1 FROM payments WHERE external_id LIKE 'DEMO-%') AS found`.execute(db);
  return r.rows[0]?.found ?? false;
}
