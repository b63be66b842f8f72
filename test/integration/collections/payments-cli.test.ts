import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';

const exec = promisify(execFile);
const BIN = path.resolve('bin/escucha.js');

/** `escucha payments import`, `recompute` and `rollup` on a real database. */
describe('escucha payments', () => {
  let database: TestDatabase;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const run = (args: string[]) =>
    exec(process.execPath, [BIN, ...args], { env }).then(
      (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
  const count = async () =>
    Number(
      (
        await database.handle.db
          .selectFrom('payments')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  beforeAll(async () => {
    database = await createTestDatabase();
    dir = await mkdtemp(path.join(os.tmpdir(), 'escucha-payments-'));
    env = { ...process.env, DATABASE_URL: database.url, ESCUCHA_LOG_LEVEL: 'warn', ESCUCHA_DATA_DIR: dir };
  });
  afterAll(async () => {
    await database?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('imports a file, reports bad lines with exit 1 and imports nothing of it, and is idempotent', async () => {
    const bad = path.join(dir, 'bad.csv');
    await writeFile(
      bad,
      'external_id,account,amount,currency,paid_at\nX-1,ACC-1,10,COP,2026-11-03\nX-2,ACC-1,ten,COP,2026-11-03\n',
    );
    const refused = await run(['payments', 'import', bad]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`${bad}:3: amount`);
    expect(refused.stderr).toMatch(/nothing was imported/);
    expect(await count()).toBe(0);

    const good = path.join(dir, 'good.jsonl');
    await writeFile(
      good,
      Array.from({ length: 2500 }, (_, i) =>
        JSON.stringify({
          externalId: `G-${i}`,
          account: `ACC-${i % 50}`,
          amount: 100,
          currency: 'COP',
          paidAt: '2026-11-05T10:00:00Z',
        }),
      ).join('\n'),
    );
    const first = await run(['payments', 'import', good]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('2500 rows: 2500 payments imported, 0 already imported');
    const again = await run(['payments', 'import', good]);
    expect(again.stdout).toContain('2500 rows: 0 payments imported, 2500 already imported');
    expect(await count()).toBe(2500);

    const recompute = await run(['payments', 'recompute']);
    expect(recompute.code, recompute.stderr).toBe(0);
    expect(recompute.stdout).toMatch(/^0 promises on 0 accounts recomputed/);
  });

  it('seeds a month of collections work for the demo: calls, analyses, promises and payments, the ledger computed', async () => {
    const seeded = await run(['dev', 'seed-collections', '--calls', '400', '--days', '30']);
    expect(seeded.code, seeded.stderr).toBe(0);
    expect(seeded.stdout).toMatch(/^400 calls \(400 analysed\), \d+ promises to pay and \d+ payments/);
    const statuses = await database.handle.db
      .selectFrom('payment_promises')
      .select((eb) => [
        eb.fn.countAll<string>().as('promises'),
        eb.fn.count<string>('last_payment_at').as('paid'),
        eb.fn.sum<string>('collected').as('collected'),
      ])
      .executeTakeFirstOrThrow();
    expect(Number(statuses.promises)).toBeGreaterThan(20);
    expect(Number(statuses.paid)).toBeGreaterThan(0);
    expect(Number(statuses.paid)).toBeLessThan(Number(statuses.promises));
    expect(Number(statuses.collected)).toBeGreaterThan(0);
    const rollup = await run(['payments', 'rollup']);
    expect(rollup.code, rollup.stderr).toBe(0);
    expect(rollup.stdout).toMatch(/^collections summary rows rebuilt in [\d.]+ s \(days in UTC\)/);
    const summed = await sql<{ calls: string }>`
      SELECT sum(calls) AS calls FROM collections_daily WHERE dim = 'base'`.execute(database.handle.db);
    expect(Number(summed.rows[0]!.calls)).toBe(400);

    // A recompute leaves the summaries up to date itself, not for the next dashboard read to do.
    const db = database.handle.db;
    await sql`UPDATE payment_promises SET collected = 0, kept_threshold = NULL, last_payment_at = NULL`.execute(
      db,
    );
    const recomputed = await run(['payments', 'recompute']);
    expect(recomputed.code, recomputed.stderr).toBe(0);
    expect(recomputed.stdout).toMatch(/\ncollections summary rows (refreshed|rebuilt) in [\d.]+ s/);
    const state = await sql<{ built: boolean; dirty: boolean }>`
      SELECT built, EXISTS (SELECT 1 FROM collections_rollup_dirty) AS dirty FROM collections_rollup_state`.execute(
      db,
    );
    expect(state.rows[0]).toEqual({ built: true, dirty: false });
    const collected = await sql<{ summed: string; ledger: string }>`
      SELECT (SELECT sum(collected) FROM collections_daily WHERE dim = 'base') AS summed,
             (SELECT sum(collected) FROM payment_promises WHERE NOT voided) AS ledger`.execute(db);
    expect(Number(collected.rows[0]!.ledger)).toBeGreaterThan(0);
    expect(Number(collected.rows[0]!.summed)).toBe(Number(collected.rows[0]!.ledger));
  });
});
