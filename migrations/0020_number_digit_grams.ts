import { sql, type Kysely } from 'kysely';

/**
 * A partial phone number ("4821937", "300 482") found by an index on the numbers' digits, not by their trigrams.
 *
 * `escucha_number_grams(caller, callee)` is every run of 5 consecutive digits of the two numbers (non-digits removed
 * first: "+57 300-482" gives 57300, 73004, 30048, 00482), each as an integer. A GIN index over it gives the calls
 * holding all the 5-digit runs of a pattern: a 7-digit pattern is 3 of them, each found in about 1 number in 100,000
 * random ones (a pg_trgm trigram of digits is in about 1 in 1,000, so a 7-digit pattern read and intersected
 * posting lists of tens of thousands of calls at 10 M calls). Removing non-digits keeps the index sound for any
 * pattern: wherever a number contains the pattern, its digits, separators left out, contain the pattern's digits.
 * The search keeps its LIKE (the index only narrows, call-query.repository.ts numberGrams); patterns of fewer than
 * 5 digits are still served by the trigram indexes of migration 0001.
 *
 * Building the index computes the function for every call (a PL/pgSQL loop, 10-35 µs a call) and holds writes to
 * calls while it runs: 641 s at 10 M calls on 2 cores busy with other work (load average 8-26), about a minute per
 * million calls. calls is then analysed (seconds), so that the planner knows how common each 5-digit run is: a
 * pattern held by most numbers (a contact center's own prefix) must be read newest first, not through the index.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE FUNCTION escucha_number_grams(caller text, callee text) RETURNS int[]
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE COST 1000 AS $$
    DECLARE
      digits text;
      grams int[] := '{}';
    BEGIN
      FOREACH digits IN ARRAY ARRAY[regexp_replace(coalesce(caller, ''), '[^0-9]', '', 'g'),
                                    regexp_replace(coalesce(callee, ''), '[^0-9]', '', 'g')] LOOP
        FOR i IN 1 .. length(digits) - 4 LOOP
          grams := grams || substr(digits, i, 5)::int;
        END LOOP;
      END LOOP;
      RETURN grams;
    END $$`.execute(db);
  await sql`SET LOCAL maintenance_work_mem = '256MB'`.execute(db);
  await sql`
    CREATE INDEX calls_number_grams_idx ON calls USING gin (escucha_number_grams(caller_number, callee_number))`.execute(
    db,
  );
  await sql`ANALYZE calls`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX calls_number_grams_idx`.execute(db);
  await sql`DROP FUNCTION escucha_number_grams(text, text)`.execute(db);
}
