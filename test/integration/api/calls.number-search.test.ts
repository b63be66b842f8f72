import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callSearchSchema } from '../../../models/call.ts';
import { CallQueryRepository, searchConditions } from '../../../services/api/calls/call-query.repository.ts';
import type { Db } from '../../../services/platform/database.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';

/**
 * A partial number is found through the digit index (migration 0020) from 5 digits on and through trigrams below:
 * either way a search must find exactly the calls whose number contains the pattern as typed, the LIKE it always was.
 * Numbers are stored as archived (the API normalises them, capture and older archives may not), so separators,
 * missing numbers, extensions and SIP users are all here.
 */

const STORED: (string | null)[] = [
  '+576015550101',
  '+573001234567',
  '+57 (300) 123-4567',
  '+52 55 8799 2947',
  '+525550101482',
  '0048219370001',
  '4821937',
  '1001',
  'anonymous',
  'sip:4821937@pbx.example.com',
  '+1 212-555-0101',
  '300-123-4567',
  'ext_55501%01',
  null,
];

/** Numbers from a seeded generator, so the patterns below have many partial matches as well as exact ones. */
function storedNumbers(): (string | null)[][] {
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const digits = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 10)).join('');
  const pairs: (string | null)[][] = [];
  for (const a of STORED) for (const b of STORED.slice(0, 4)) pairs.push([a, b]);
  for (let i = 0; i < 150; i++) {
    pairs.push([`+57601${digits(7)}`, random() < 0.1 ? null : `+573${digits(9)}`]);
  }
  return pairs;
}

/** Every pattern length from 1 to 13 digits, cut from the stored numbers and made up, typed several ways. */
function patterns(pairs: (string | null)[][]): string[] {
  const out = new Set<string>([
    '999999',
    '00000',
    '5550101',
    '+57300',
    '+5255501',
    '@pbx',
    'anon',
    '_55501%0',
    '55501%',
  ]);
  const digitsOf = pairs.flat().map((n) => (n ?? '').replace(/[^0-9]/g, ''));
  const typed = [
    (d: string) => d,
    (d: string) => `+${d}`,
    (d: string) => `${d.slice(0, 3)} ${d.slice(3)}`,
    (d: string) => `${d.slice(0, 3)}-${d.slice(3)}`,
    (d: string) => `(${d.slice(0, 3)}) ${d.slice(3)}`,
  ];
  for (let length = 1; length <= 13; length++) {
    for (const [i, d] of digitsOf.slice(0, 40).entries()) {
      if (d.length < length) continue;
      const start = (i * 7) % (d.length - length + 1);
      out.add(typed[(i + length) % typed.length]!(d.slice(start, start + length)));
    }
  }
  return [...out];
}

describe('searching by a partial phone number', () => {
  let database: TestDatabase;
  let db: Db;
  let stored: { id: string; caller: string | null; callee: string | null }[];

  beforeAll(async () => {
    database = await createTestDatabase();
    db = database.handle.db;
    const t = new Date('2026-11-23T10:00:00Z').getTime();
    const rows = await db
      .insertInto('calls')
      .values(
        storedNumbers().map(([caller, callee], i) => ({
          started_at: new Date(t - i * 60_000),
          ended_at: new Date(t - i * 60_000 + 30_000),
          duration_ms: 30_000,
          caller_number: caller ?? null,
          callee_number: callee ?? null,
          source: 'seed',
          custom: '{}',
        })),
      )
      .returning(['id', 'caller_number', 'callee_number'])
      .execute();
    stored = rows.map((r) => ({ id: r.id, caller: r.caller_number, callee: r.callee_number }));
    await sql`ANALYZE calls`.execute(db);
  });
  afterAll(async () => {
    await database?.drop();
  });

  /** What the search always meant: the number contains the pattern exactly as it is given. */
  const expected = (column: 'caller' | 'callee' | 'either', pattern: string) =>
    stored
      .filter((c) =>
        (column === 'either' ? [c.caller, c.callee] : [c[column]]).some((n) => n?.includes(pattern)),
      )
      .map((c) => c.id)
      .sort();

  /** The calls each pattern finds through searchConditions, one statement per pattern as a search runs it. */
  const found = async (
    filter: 'number' | 'callerNumber' | 'calleeNumber',
    all: string[],
    indexOnly: boolean,
  ) =>
    db.transaction().execute(async (trx) => {
      // Without a sequential scan to fall back on, the planner must use an index for every pattern it can.
      if (indexOnly) await sql`SET LOCAL enable_seqscan = off`.execute(trx);
      const out: string[][] = [];
      for (const pattern of all) {
        const rows = await trx
          .selectFrom('calls')
          .select('id')
          .where((eb) => eb.and(searchConditions(eb, { ...callSearchSchema.parse({}), [filter]: pattern })))
          .execute();
        out.push(rows.map((r) => r.id).sort());
      }
      return out;
    });

  it('finds exactly the calls whose number contains the pattern, for patterns of every length and form', async () => {
    const all = patterns(stored.map((c) => [c.caller, c.callee]));
    expect(all.length).toBeGreaterThan(200);
    let matched = 0;
    for (const [filter, column] of [
      ['number', 'either'],
      ['callerNumber', 'caller'],
      ['calleeNumber', 'callee'],
    ] as const) {
      // As given to searchConditions (a stored query may hold any text), with and without indexes forced.
      const want = all.map((pattern) => expected(column, pattern));
      matched += want.flat().length;
      for (const indexOnly of [false, true]) {
        const got = await found(filter, all, indexOnly);
        for (const [k, pattern] of all.entries()) {
          expect(got[k], `${filter}=${pattern}${indexOnly ? ', by index' : ''}`).toEqual(want[k]);
        }
      }
    }
    expect(matched).toBeGreaterThan(1000);
  });

  it('searches typed numbers as the API receives them, separators dropped', async () => {
    const repository = new CallQueryRepository(db);
    for (const typed of ['300-123-4567', '+57 (300) 123', '55 0101', '482 1937', '123']) {
      const q = callSearchSchema.parse({ number: typed, limit: '200' });
      const page = await repository.search(q);
      expect(page.items.map((c) => c.id).sort(), typed).toEqual(expected('either', q.number!));
    }
  });

  it('finds a pattern of 5 digits or more through the digit index', async () => {
    const q = callSearchSchema.parse({ number: '4821937' });
    const plan = await db.transaction().execute(async (trx) => {
      await sql`SET LOCAL enable_seqscan = off`.execute(trx);
      const rows = await trx
        .selectFrom('calls')
        .select('id')
        .where((eb) => eb.and(searchConditions(eb, q)))
        .explain<{ 'QUERY PLAN': string }>();
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    });
    expect(plan).toContain('calls_number_grams_idx');
  });
});
