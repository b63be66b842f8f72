import { chmod, mkdir } from 'node:fs/promises';
import { loadavg } from 'node:os';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { createApp } from '../../services/api/app.ts';
import { buildServices } from '../../services/composition.ts';
import { FsObjectStore } from '../../services/archive/fs.store.ts';
import { insertSyntheticCalls } from '../../services/archive/synthetic-calls.repository.ts';
import { loadConfig } from '../../services/platform/config.ts';
import { migrateToLatest, openDatabase } from '../../services/platform/database.ts';
import { silentLogger } from '../../services/platform/logger.ts';
import { callSearchSchema } from '../../models/call.ts';
import { CallQueryRepository } from '../../services/api/calls/call-query.repository.ts';
import { analyzeCall } from '../../services/analytics/index.ts';
import { AnalysisRepository } from '../../services/analysis/analysis.repository.ts';
import { TranscriptRepository } from '../../services/transcripts/transcript.repository.ts';
import { syntheticCall } from './analytics.bench.ts';
import { percentile } from './stats.ts';

/**
 * Search latency over 1,000,000 seeded calls, measured end to end through the HTTP API (auth, validation, SQL,
 * JSON), and the call page's data: GET /calls/:id, /analysis and /transcript requested together, as the call page
 * does, for calls given a 10-minute transcript (150 segments) and its real analysis. The seeded database is kept
 * in ESCUCHA_BENCH_DIR (default /tmp/escucha-bench) and reused across runs. `--calls N` seeds that many calls
 * (fewer, or 10,000,000 for the archive size search is meant to stay fast at). Each combination also reports its
 * SQL time (the repository's search alone), and the parts every request pays besides its query (the API key check,
 * the audit row) are timed alone, with the load average at the start and end of the run.
 */
export interface SearchBenchResult {
  calls: number;
  queries: number;
  p50Ms: number;
  p95Ms: number;
  /**
   * End to end through the API (p50/p95), and the search's own SQL (sqlP50/sqlP95: the repository's search with the
   * same kind of filters, called directly, one round trip per query it sends).
   */
  perCombination: { name: string; p50Ms: number; p95Ms: number; sqlP50Ms: number; sqlP95Ms: number }[];
  /** What every search request pays besides its query: the API key check and the audit row it appends. */
  perRequest: { name: string; p50Ms: number; p95Ms: number }[];
  /** Load average (1, 5, 15 min) at the start and the end of the measured search requests. */
  load: { start: number[]; end: number[] };
  callPage: {
    calls: number;
    loads: number;
    p50Ms: number;
    p95Ms: number;
    perEndpoint: { name: string; p50Ms: number; p95Ms: number }[];
  };
}

const CALL_PAGE_CALLS = 50;

/**
 * Calls with a transcript and an analysis for the call page benchmark: those given one by an earlier run, topped
 * up with random seeded calls (a synthetic 10-minute transcript and its analysis, stored as the pipeline would).
 */
async function callPageCalls(db: Parameters<typeof insertSyntheticCalls>[0]): Promise<string[]> {
  const have = await db
    .selectFrom('transcripts')
    .innerJoin('call_analysis', 'call_analysis.call_id', 'transcripts.call_id')
    .select('transcripts.call_id')
    .limit(CALL_PAGE_CALLS)
    .execute();
  const ids = have.map((r) => r.call_id);
  if (ids.length >= CALL_PAGE_CALLS) return ids;
  const fresh = await db
    .selectFrom('calls')
    .select(['id', 'started_at', 'duration_ms', 'campaign', 'agent_id'])
    .where('id', 'not in', ids.length > 0 ? ids : ['00000000-0000-4000-8000-000000000000'])
    .orderBy(sql`random()`)
    .limit(CALL_PAGE_CALLS - ids.length)
    .execute();
  const transcripts = new TranscriptRepository(db);
  const analyses = new AnalysisRepository(db);
  for (const [i, c] of fresh.entries()) {
    const segments = syntheticCall(1000 + i);
    await transcripts.storeUpload(db, c.id, { language: 'es', languageMethod: 'upload', segments });
    const durationMs = Math.max(c.duration_ms, segments[segments.length - 1]!.endMs);
    const analysis = analyzeCall(segments, {
      callId: c.id,
      startedAt: c.started_at,
      language: 'es',
      region: 'CO',
      durationMs,
      campaign: c.campaign,
      agentId: c.agent_id,
      currency: 'COP',
    });
    await analyses.store(c.id, analysis, { disclosureProfile: analysis.disclosure.profile });
    ids.push(c.id);
  }
  return ids;
}

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;
const daysAgo = (d: number) => new Date(Date.now() - d * 86_400_000).toISOString();
const agent = () => `A${String(Math.floor(Math.random() * 300)).padStart(4, '0')}`;

const COMBINATIONS: { name: string; query: () => Record<string, string> }[] = [
  { name: 'newest calls, no filter', query: () => ({}) },
  {
    name: 'last 7 days + campaign',
    query: () => ({ from: daysAgo(7), campaign: pick(['early-stage', 'late-stage', 'legal', 'recovery']) }),
  },
  { name: 'agent + last 30 days', query: () => ({ agentId: agent(), from: daysAgo(30) }) },
  {
    name: 'disposition + product + last 30 days',
    query: () => ({
      disposition: pick(['PTP', 'DISPUTE', 'PAID']),
      product: pick(['credit_card', 'mortgage', 'telco']),
      from: daysAgo(30),
    }),
  },
  {
    name: 'partial phone number (7 digits)',
    query: () => ({ number: String(Math.floor(1e6 + Math.random() * 9e6)) }),
  },
  {
    name: 'agent name, partial',
    query: () => ({ agentName: pick(['carolina gó', 'andrés', 'sofía ram', 'mateo', 'diana tor']) }),
  },
  {
    name: 'agent name, no accents, any case',
    query: () => ({ agentName: pick(['gomez', 'ANDRES', 'sofia ramirez', 'Diaz', 'jimenez']) }),
  },
  {
    name: 'team + calls over 10 minutes',
    query: () => ({
      team: `team-${String(Math.floor(Math.random() * 20)).padStart(2, '0')}`,
      minDurationMs: '600000',
    }),
  },
  {
    name: 'days past due 90-180 + region',
    query: () => ({
      minDaysPastDue: '90',
      maxDaysPastDue: '180',
      region: pick(['Bogotá', 'Cali', 'CDMX', 'Madrid']),
    }),
  },
  {
    name: 'custom field + campaign',
    query: () => ({ 'custom.tier': pick(['gold', 'silver']), campaign: pick(['bank-co-01', 'telco-mx']) }),
  },
  {
    name: 'longest calls of a month',
    query: () => ({ from: daysAgo(60), to: daysAgo(30), sort: '-durationMs' }),
  },
  {
    name: 'customer reference',
    query: () => ({ customerRef: `CUST-${String(Math.floor(Math.random() * 2e6)).padStart(7, '0')}` }),
  },
];

export async function run(options: { calls?: number; rounds?: number } = {}): Promise<SearchBenchResult> {
  const target = options.calls ?? 1_000_000;
  const rounds = options.rounds ?? 40;
  const dir = process.env.ESCUCHA_BENCH_DIR ?? '/tmp/escucha-bench';
  await mkdir(dir, { recursive: true });
  await chmod(dir, 0o755);
  const config = loadConfig({ env: {}, overrides: { dataDir: dir } });
  const logger = silentLogger();
  const database = await openDatabase(config, logger, { as: 'owner' }); // it migrates by itself
  try {
    await migrateToLatest(database.db, logger);
    const count = async () =>
      Number((await sql<{ n: string }>`select count(*) as n from calls`.execute(database.db)).rows[0]!.n);
    const existing = await count();
    if (existing < target) {
      console.error(`seeding ${target - existing} calls into ${dir} (kept for later runs)...`);
      await insertSyntheticCalls(database.db, { count: target - existing, days: 365 });
    }
    const calls = await count();
    const store = new FsObjectStore({ root: config.storageDir });
    const services = await buildServices(config, {
      logger,
      database,
      store,
      pipeline: null,
      ingestConcurrency: 1,
      keyDir: null,
    });
    const keys = services.people.keys;
    const app = createApp({ ...services.api, logger, version: 'bench', uploadMaxBytes: 1024 });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/calls`;
    const { key } = await keys.create('admin', 'bench');
    const headers = { Authorization: `Bearer ${key}` };
    const timed = async (query: Record<string, string>) => {
      const t = performance.now();
      const res = await fetch(`${base}?${new URLSearchParams(query)}`, { headers });
      const body = (await res.json()) as { items: unknown[]; nextCursor: string | null };
      const ms = performance.now() - t;
      if (res.status !== 200) throw new Error(`search failed: ${res.status} ${JSON.stringify(body)}`);
      return { ms, body };
    };
    const queries = new CallQueryRepository(database.db);
    const timedSql = async (query: Record<string, string>) => {
      const custom = Object.fromEntries(
        Object.entries(query)
          .filter(([k]) => k.startsWith('custom.'))
          .map(([k, v]) => [k.slice('custom.'.length), v]),
      );
      const plain = Object.fromEntries(Object.entries(query).filter(([k]) => !k.startsWith('custom.')));
      const q = callSearchSchema.parse(Object.keys(custom).length > 0 ? { ...plain, custom } : plain);
      const t = performance.now();
      await queries.search(q);
      return performance.now() - t;
    };
    // Warm-up: one pass so the figures are steady-state, as on a server that has been running.
    for (const c of COMBINATIONS) await timed(c.query());
    const loadAverage = { start: loadavg().map((v) => Number(v.toFixed(2))), end: [] as number[] };
    const all: number[] = [];
    const perCombination: SearchBenchResult['perCombination'] = [];
    for (const c of COMBINATIONS) {
      const times: number[] = [];
      const sqlTimes: number[] = [];
      for (let i = 0; i < rounds; i++) {
        const { ms, body } = await timed(c.query());
        times.push(ms);
        if (body.nextCursor && i % 4 === 0)
          times.push((await timed({ ...c.query(), cursor: body.nextCursor })).ms);
        sqlTimes.push(await timedSql(c.query()));
      }
      all.push(...times);
      perCombination.push({
        name: c.name,
        p50Ms: percentile(times, 50),
        p95Ms: percentile(times, 95),
        sqlP50Ms: percentile(sqlTimes, 50),
        sqlP95Ms: percentile(sqlTimes, 95),
      });
    }
    loadAverage.end = loadavg().map((v) => Number(v.toFixed(2)));
    // The parts of a request that are not its query, each timed alone as often as the searches above ran.
    const principal = await keys.authenticate(key);
    const perRequest: SearchBenchResult['perRequest'] = [];
    for (const [name, part] of [
      ['API key check', () => keys.authenticate(key)],
      [
        'audit row (hash-chained append)',
        () =>
          services.people.auditor.recordAs(
            principal,
            { ip: '127.0.0.1', userAgent: 'bench' },
            { action: 'search', details: { query: { bench: 'per-request cost' } } },
          ),
      ],
    ] as const) {
      const times: number[] = [];
      for (let i = 0; i < rounds * COMBINATIONS.length; i++) {
        const t = performance.now();
        await part();
        times.push(performance.now() - t);
      }
      perRequest.push({ name, p50Ms: percentile(times, 50), p95Ms: percentile(times, 95) });
    }

    // The call page: its three requests together, as the browser makes them.
    const pageCalls = await callPageCalls(database.db);
    const get = async (path: string) => {
      const t = performance.now();
      const res = await fetch(`${base}/${path}`, { headers });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`GET /calls/${path} failed: ${res.status}`);
      return performance.now() - t;
    };
    const load = (id: string) => Promise.all([get(id), get(`${id}/analysis`), get(`${id}/transcript`)]);
    for (const id of pageCalls.slice(0, 5)) await load(id);
    const pageTimes: number[] = [];
    const endpointTimes: number[][] = [[], [], []];
    for (let pass = 0; pass < 4; pass++) {
      for (const id of pageCalls) {
        const t = performance.now();
        const each = await load(id);
        pageTimes.push(performance.now() - t);
        each.forEach((ms, i) => endpointTimes[i]!.push(ms));
      }
    }
    server.close();
    await store.close();
    return {
      calls,
      queries: all.length,
      p50Ms: percentile(all, 50),
      p95Ms: percentile(all, 95),
      perCombination,
      perRequest,
      load: loadAverage,
      callPage: {
        calls: pageCalls.length,
        loads: pageTimes.length,
        p50Ms: percentile(pageTimes, 50),
        p95Ms: percentile(pageTimes, 95),
        perEndpoint: ['GET /calls/:id', 'GET /calls/:id/analysis', 'GET /calls/:id/transcript'].map(
          (name, i) => ({
            name,
            p50Ms: percentile(endpointTimes[i]!, 50),
            p95Ms: percentile(endpointTimes[i]!, 95),
          }),
        ),
      },
    };
  } finally {
    await database.close();
  }
}
