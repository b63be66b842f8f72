import { createRequire } from 'node:module';
import { CompiledQuery, sql, type Kysely, type Transaction } from 'kysely';
import PgBoss from 'pg-boss';
import type pg from 'pg';
import type { Database } from '../../models/database.ts';
import { retryWhileUnavailable, type Db } from '../platform/database.ts';
import { unavailableDependency, type Dependency } from '../platform/dependencies.ts';
import { errorMessage, isEscuchaError } from '../platform/errors.ts';
import type { Logger } from '../platform/logger.ts';
import {
  DEAD_LETTER_QUEUE,
  queueName,
  STAGES,
  type JobPayloads,
  type StageName,
  type StageOutcome,
  WEBHOOK_QUEUE,
  type WebhookJob,
} from './jobs.ts';
import { OutcomeRepository } from '../analysis/outcome.repository.ts';

/** One stage of the pipeline. Handlers are idempotent: a re-run replaces the stage's earlier result. */
export interface StageHandler<S extends StageName = StageName> {
  readonly stage: S;
  /** Bumped when the stage's output changes meaning; stored with each outcome. */
  readonly version: number;
  run(payload: JobPayloads[S], ctx: { log: Logger; jobId: string; attempt: number }): Promise<StageOutcome>;
}

export interface PipelineOptions {
  db: Db;
  pool: pg.Pool;
  logger: Logger;
  /**
   * The stages this deployment runs, in order; a stage's successor is the next one in this list. Default: every stage
   * (STAGES); tests run a part of it.
   */
  order?: readonly StageName[];
  retryLimit: number;
  retryDelaySeconds: number;
  expireInSeconds: number;
  /** How often pg-boss looks for expired jobs (a worker killed mid-job) and retries them. */
  maintenanceIntervalSeconds: number;
  pollingIntervalSeconds: number;
  /**
   * Asks the object store whether it answers (its `check`), to confirm an outage before a job's failure is put down
   * to it; the database is asked with a query. Without it, a failure that names the store is taken at its word.
   */
  checkStore?: () => Promise<void>;
}

const BOSS_SCHEMA = 'pgboss';
/** Every queue the pipeline uses: one per stage, the dead letters, and webhook deliveries. */
const BOSS_QUEUES = [DEAD_LETTER_QUEUE, ...STAGES.map(queueName), WEBHOOK_QUEUE];
/**
 * A webhook delivery job whose worker died is tried again after this long; its own failures never reach pg-boss
 * (the delivery schedules its next attempt itself, services/webhooks/webhook.delivery.ts).
 */
const WEBHOOK_JOB_EXPIRE_SECONDS = 300;
/** The schema version of the pg-boss Escucha runs (its own record of it). */
const BOSS_SCHEMA_VERSION = (createRequire(import.meta.url)('pg-boss/version.json') as { schema: number })
  .schema;

/**
 * Whether the job queue is in place for this version: pg-boss's schema at the version it expects and every queue
 * made. A command that only reads and writes rows (keys, users, audit, ...) then skips setting it up; a process that
 * runs the pipeline still starts it, which also applies the queues' current retry settings.
 */
export async function jobQueueReady(db: Kysely<Database>): Promise<boolean> {
  try {
    const version = await sql<{
      version: number;
    }>`SELECT version FROM ${sql.table(`${BOSS_SCHEMA}.version`)}`.execute(db);
    if (Number(version.rows[0]?.version) !== BOSS_SCHEMA_VERSION) return false;
    const names = await sql<{ name: string }>`SELECT name FROM ${sql.table(`${BOSS_SCHEMA}.queue`)}`.execute(
      db,
    );
    const have = new Set(names.rows.map((r) => r.name));
    return BOSS_QUEUES.every((name) => have.has(name));
  } catch {
    return false; // no pg-boss schema yet
  }
}
/** A job put back because a dependency is down is tried again after its retry delay, doubled each time up to this. */
const DEFER_MAX_SECONDS = 30;

/** What a job put back for a dependency's outage keeps in its pg-boss output. */
interface DeferredOutput {
  deferrals: number;
  dependency: Dependency;
  message: string;
}

function deferralsOf(output: unknown): number {
  const n = (output as Partial<DeferredOutput> | null | undefined)?.deferrals;
  return typeof n === 'number' && Number.isInteger(n) && n > 0 ? n : 0;
}

function executorFor(db: Kysely<Database>): {
  executeSql(text: string, values: unknown[]): Promise<{ rows: unknown[] }>;
} {
  return {
    executeSql: async (text, values) => {
      const result = await db.executeQuery(CompiledQuery.raw(text, values ?? []));
      return { rows: result.rows as unknown[] };
    },
  };
}

/**
 * The analysis pipeline on pg-boss: one queue per stage, retries with exponential backoff, a dead-letter queue, and
 * the per-call, per-stage outcome table kept up to date around every job.
 */
export class Pipeline {
  private readonly boss: PgBoss;
  private readonly outcomes: OutcomeRepository;
  private started = false;
  /** The job queue's statements still running (its record of a job's end is not awaited by the queue itself). */
  private readonly queueSql = new Set<Promise<unknown>>();

  constructor(private readonly options: PipelineOptions) {
    this.boss = new PgBoss({
      db: {
        executeSql: (text: string, values: unknown[]) => {
          const running = options.pool.query(text, values);
          const tracked = running.finally(() => this.queueSql.delete(tracked));
          tracked.catch(() => undefined);
          this.queueSql.add(tracked);
          return running;
        },
      },
      schema: BOSS_SCHEMA,
      maintenanceIntervalSeconds: options.maintenanceIntervalSeconds,
      monitorStateIntervalSeconds: 60,
    } as PgBoss.ConstructorOptions);
    this.boss.on('error', (error) => options.logger.error({ err: error }, 'job queue error'));
    this.outcomes = new OutcomeRepository(options.db);
  }

  get order(): readonly StageName[] {
    return this.options.order ?? STAGES;
  }

  async start(): Promise<void> {
    if (this.started) return;
    await this.boss.start();
    await this.ensureQueue(DEAD_LETTER_QUEUE, {});
    for (const stage of STAGES) {
      await this.ensureQueue(queueName(stage), {
        retryLimit: this.options.retryLimit,
        retryDelay: this.options.retryDelaySeconds,
        retryBackoff: true,
        expireInSeconds: this.options.expireInSeconds,
        deadLetter: DEAD_LETTER_QUEUE,
      });
    }
    await this.ensureQueue(WEBHOOK_QUEUE, {
      retryLimit: this.options.retryLimit,
      retryDelay: this.options.retryDelaySeconds,
      retryBackoff: true,
      expireInSeconds: WEBHOOK_JOB_EXPIRE_SECONDS,
      deadLetter: DEAD_LETTER_QUEUE,
    });
    this.started = true;
  }

  private async ensureQueue(name: string, options: Omit<PgBoss.Queue, 'name'>): Promise<void> {
    const existing = await this.boss.getQueue(name);
    if (existing) await this.boss.updateQueue(name, { name, ...options } as PgBoss.Queue);
    else await this.boss.createQueue(name, { name, ...options } as PgBoss.Queue);
  }

  /** Enqueues a stage for a call; with `trx` the job exists only if the surrounding transaction commits. */
  async enqueue<S extends StageName>(
    stage: S,
    payload: JobPayloads[S],
    trx?: Transaction<Database>,
  ): Promise<string | null> {
    const executor = trx ?? this.options.db;
    const id = await this.boss.send(
      queueName(stage),
      payload as object,
      { db: executorFor(executor) } as PgBoss.SendOptions,
    );
    await this.outcomes.markPending(
      executor,
      payload.callId,
      stage,
      id,
      payload.rerun ? 're-run requested' : undefined,
    );
    return id;
  }

  /** Hook for the archive: the first stage is enqueued in the transaction that stores the recording. */
  readonly enqueueFirst = async (trx: Transaction<Database>, callId: string): Promise<void> => {
    const first = this.order[0];
    if (first) await this.enqueue(first, { callId }, trx);
  };

  /** Queues a webhook delivery attempt, after `startAfter`; with `trx`, only if that transaction commits. */
  readonly sendWebhook = async (
    job: WebhookJob,
    options: { trx?: Transaction<Database>; startAfter?: Date } = {},
  ): Promise<void> => {
    await this.boss.send(WEBHOOK_QUEUE, job, {
      db: executorFor(options.trx ?? this.options.db),
      ...(options.startAfter ? { startAfter: options.startAfter } : {}),
    } as PgBoss.SendOptions);
  };

  /** Queues the first attempt of several webhook deliveries in one insert; with `trx`, only if it commits. */
  readonly sendWebhooks = async (
    jobs: readonly WebhookJob[],
    options: { trx?: Transaction<Database> } = {},
  ): Promise<void> => {
    if (jobs.length === 0) return;
    await this.boss.insert(
      jobs.map((data) => ({ name: WEBHOOK_QUEUE, data })),
      { db: executorFor(options.trx ?? this.options.db) } as PgBoss.InsertOptions,
    );
  };

  /** Runs webhook deliveries: `concurrency` at once in this process. */
  async workWebhooks(deliver: (job: WebhookJob) => Promise<void>, concurrency: number): Promise<void> {
    await this.start();
    for (let i = 0; i < Math.max(1, concurrency); i++) {
      await this.boss.work<WebhookJob>(
        WEBHOOK_QUEUE,
        { batchSize: 1, pollingIntervalSeconds: this.options.pollingIntervalSeconds },
        async (jobs) => {
          for (const job of jobs) await deliver(job.data);
        },
      );
    }
  }

  next(stage: StageName): StageName | undefined {
    const i = this.order.indexOf(stage);
    return i >= 0 ? this.order[i + 1] : undefined;
  }

  /** Runs handlers: `concurrency` jobs at once per stage in this process. */
  async work(handlers: StageHandler[], concurrency: (stage: StageName) => number): Promise<void> {
    await this.start();
    for (const handler of handlers) {
      const n = Math.max(1, concurrency(handler.stage));
      for (let i = 0; i < n; i++) {
        await this.boss.work<JobPayloads[StageName]>(
          queueName(handler.stage),
          {
            includeMetadata: true,
            batchSize: 1,
            pollingIntervalSeconds: this.options.pollingIntervalSeconds,
          },
          async (jobs) => {
            for (const job of jobs) await this.runJob(handler, job);
          },
        );
      }
    }
  }

  private async runJob(
    handler: StageHandler,
    job: PgBoss.JobWithMetadata<JobPayloads[StageName]>,
  ): Promise<void> {
    const { callId } = job.data;
    const stage = handler.stage;
    const attempt = job.retryCount + 1;
    const log = this.options.logger.child({ callId, stage, jobId: job.id, attempt });
    const started = performance.now();
    // The job's own bookkeeping outlives a database outage: it waits for the database (up to the job's expiry)
    // rather than leaving the job active and unaccounted for.
    const landed = <T>(write: () => Promise<T>) =>
      retryWhileUnavailable(write, {
        giveUpMs: this.options.expireInSeconds * 1000,
        onWait: (error, waitMs) =>
          log.warn({ err: error, waitMs }, 'database unavailable; waiting to record the job'),
      });
    // A job whose run committed its outcome and queued the next stage, but whose worker died before the queue marked
    // the job completed, comes back once it expires: running it again would queue the rest of the pipeline twice.
    if (await landed(() => this.outcomes.finishedBy(callId, stage, job.id))) {
      log.info('stage already finished by an earlier attempt of this job');
      return;
    }
    await landed(() => this.outcomes.markRunning(callId, stage, job.id, handler.version));
    let outcome: StageOutcome;
    try {
      outcome = await handler.run(job.data, { log, jobId: job.id, attempt });
    } catch (error) {
      const dependency = await this.outageBehind(error);
      if (dependency) {
        // Not the job's fault: it waits for the dependency instead of using up its retries, which an outage longer
        // than their backoff would otherwise exhaust, leaving the call unanalysed for good.
        await this.defer(stage, job, dependency, error, started, log, landed);
        return;
      }
      const final = job.retryCount >= job.retryLimit;
      const message = errorMessage(error);
      log.warn({ err: error, final }, final ? 'stage failed' : 'stage attempt failed; will retry');
      await landed(() =>
        this.outcomes.markFinished(
          this.options.db,
          callId,
          stage,
          {
            status: final ? 'failed' : 'pending',
            reason: final ? message : `attempt ${attempt} failed, retrying: ${message}`,
            errorCode: isEscuchaError(error) ? error.code : 'INTERNAL',
          },
          started,
        ),
      );
      throw error;
    }
    const next = job.data.only ? undefined : this.next(stage);
    await landed(() =>
      this.options.db.transaction().execute(async (trx) => {
        await this.outcomes.markFinished(
          trx,
          callId,
          stage,
          {
            status: outcome.status,
            reason: outcome.status === 'skipped' ? outcome.reason : null,
            model: outcome.model ?? null,
            result: outcome.result,
          },
          started,
        );
        if (next) await this.enqueue(next, { callId, ...(job.data.rerun ? { rerun: true } : {}) }, trx);
      }),
    );
    log.info({ status: outcome.status, ms: Math.round(performance.now() - started) }, 'stage finished');
  }

  /**
   * The dependency whose outage made a job fail, or undefined when the failure is the job's own: the error must name
   * an unreachable dependency (unavailableDependency) and that dependency must still not answer. A failure that
   * only looks like an outage (a network error code from elsewhere) then counts as an attempt like any other, and
   * cannot keep a job going round for ever.
   */
  private async outageBehind(error: unknown): Promise<Dependency | undefined> {
    const dependency = unavailableDependency(error);
    if (!dependency) return undefined;
    const check =
      dependency === 'database'
        ? async () => void (await sql`select 1`.execute(this.options.db))
        : this.options.checkStore;
    if (!check) return dependency;
    try {
      await check();
    } catch {
      return dependency;
    }
    return undefined;
  }

  /**
   * Puts a job that met a dependency's outage back in its queue as it was before this attempt: its retry count
   * unchanged (pg-boss counts an attempt when it hands out a job that has started before, so the start is cleared),
   * to start again after its retry delay, doubled at each deferral of the job up to DEFER_MAX_SECONDS. Its outcome
   * stays pending, naming what it waits for. pg-boss's own completion of the attempt then finds the job no longer
   * active and changes nothing.
   */
  private async defer(
    stage: StageName,
    job: PgBoss.JobWithMetadata<JobPayloads[StageName]>,
    dependency: Dependency,
    error: unknown,
    started: number,
    log: Logger,
    landed: <T>(write: () => Promise<T>) => Promise<T>,
  ): Promise<void> {
    const deferrals = deferralsOf(job.output);
    const delaySeconds = Math.min(
      DEFER_MAX_SECONDS,
      this.options.retryDelaySeconds * 2 ** Math.min(deferrals, 16),
    );
    const message = errorMessage(error);
    const errorCode = dependency === 'object store' ? 'STORAGE_UNAVAILABLE' : 'DATABASE_UNAVAILABLE';
    log.warn(
      { err: error, errorCode, dependency, deferrals: deferrals + 1, retryInSeconds: delaySeconds },
      `${dependency} unavailable; stage put back without using a retry`,
    );
    const output: DeferredOutput = { deferrals: deferrals + 1, dependency, message };
    const putBack = await landed(() =>
      this.options.db.transaction().execute(async (trx) => {
        const updated = await sql`
          UPDATE ${sql.table(`${BOSS_SCHEMA}.job`)}
             SET state = 'retry', started_on = NULL, output = ${JSON.stringify(output)}::jsonb,
                 start_after = now() + make_interval(secs => ${delaySeconds})
           WHERE name = ${job.name} AND id = ${job.id} AND state = 'active'`.execute(trx);
        if (Number(updated.numAffectedRows ?? 0) === 0) return false;
        await this.outcomes.markFinished(
          trx,
          job.data.callId,
          stage,
          { status: 'pending', reason: `waiting for the ${dependency}: ${message}`, errorCode },
          started,
        );
        return true;
      }),
    );
    // No longer active: pg-boss expired it meanwhile (it then counts as an attempt, as any lost job does).
    if (!putBack) log.warn('stage could not be put back: the job is no longer active');
  }

  async retryFailed(stage: StageName, callId?: string): Promise<number> {
    const rows = await this.outcomes.list({
      stage,
      status: 'failed',
      ...(callId ? { callId } : {}),
      limit: 100_000,
    });
    for (const r of rows) await this.enqueue(stage, { callId: r.callId, rerun: true });
    return rows.length;
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await this.boss.stop({ graceful: true, wait: true, timeout: 30_000, close: false });
    // the queue marks a finished job complete or failed without awaiting it: let those writes end before the caller
    // closes the pool they run on
    await Promise.allSettled([...this.queueSql]);
  }
}
