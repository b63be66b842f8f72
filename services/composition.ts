import { LiveHub } from './live/live.hub.ts';
import { LiveListenService } from './live/live-listen.service.ts';
import { AgentActivityRepository } from './live/agent-activity.repository.ts';
import { LiveBoardService } from './live/live.board.ts';
import { LiveRepository } from './live/live.repository.ts';
import { LiveService } from './live/live.service.ts';
import { redactLiveTranscript } from './live/live-redaction.ts';
import { EventStreams } from './api/event-stream.ts';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { ApiDeps, CallServices, PeopleServices } from './api/app.ts';
import { AuditAnchor } from './api/audit/audit-anchor.ts';
import { AuditRepository } from './api/audit/audit.repository.ts';
import { AuditService } from './api/audit/audit.service.ts';
import { Auditor } from './api/audit/auditor.ts';
import { ApiKeyRepository } from './api/auth/api-key.repository.ts';
import { AuthService, DEFAULT_LOGIN_POLICY, type LoginPolicy } from './api/auth/auth.service.ts';
import { callAccessLookup, type CallAccessLookup } from './access/call-scope.ts';
import { DeviceCookies } from './api/auth/device-cookie.ts';
import { DEFAULT_PASSWORD_COST, PasswordHasher, type PasswordCost } from './api/auth/password.hasher.ts';
import { SessionRepository } from './api/auth/session.repository.ts';
import { CallQueryRepository } from './api/calls/call-query.repository.ts';
import { ReportsRepository } from './api/reports/reports.repository.ts';
import { RetentionRepository } from './api/retention/retention.repository.ts';
import { RetentionService } from './api/retention/retention.service.ts';
import { TrainingRepository } from './api/training/training.repository.ts';
import { TrainingService } from './api/training/training.service.ts';
import { SavedSearchRepository } from './api/users/saved-search.repository.ts';
import { SavedSearchService } from './api/users/saved-searches.service.ts';
import { UsersService } from './api/users/users.service.ts';
import { UserRepository } from './api/users/user.repository.ts';
import { ArchiveService, type ArchivedHook } from './archive/archive.service.ts';
import { FfmpegAudioTool } from './archive/audio.ffmpeg.ts';
import type { EncryptedObjectStore } from './archive/encryption/encrypted.store.ts';
import { RekeyRepository } from './archive/encryption/rekey.repository.ts';
import { RekeyService } from './archive/encryption/rekey.service.ts';
import { CallRepository } from './archive/call.repository.ts';
import { CaptureDetailsRepository } from './archive/capture-details.repository.ts';
import { FsObjectStore } from './archive/fs.store.ts';
import { IntegrityService } from './archive/integrity.service.ts';
import type { ObjectStore } from './archive/object-store.ts';
import { RecordingIntegrityRepository } from './archive/recording-integrity.repository.ts';
import { createObjectStore } from './archive/store.factory.ts';
import { AnalysisRepository } from './analysis/analysis.repository.ts';
import { CallAnalysisService } from './analysis/call-analysis.service.ts';
import { OutcomeRepository } from './analysis/outcome.repository.ts';
import { ScriptRepository } from './analysis/script.repository.ts';
import { ScriptService } from './analysis/script.service.ts';
import type { StageName } from './analysis/stages.ts';
import { CallsService } from './api/calls/calls.service.ts';
import type { CallerAudit } from './access/caller.ts';
import { Calendar } from './collections/calendar.ts';
import { MetricsRepository } from './collections/metrics.repository.ts';
import { MetricsService } from './collections/metrics.service.ts';
import { PaymentsRepository } from './collections/payments.repository.ts';
import { PaymentsService } from './collections/payments.service.ts';
import { PromiseLedgerService } from './collections/promise-ledger.service.ts';
import { PromiseRepository } from './collections/promise.repository.ts';
import { RollupRepository } from './collections/rollup.repository.ts';
import { ReportsService } from './api/reports/reports.service.ts';
import { jobQueueReady, Pipeline } from './pipeline/pipeline.ts';
import { EvaluationFormRepository } from './review/evaluation.repository.ts';
import { EvaluationService } from './review/evaluation.service.ts';
import { ReviewRepository } from './review/review.repository.ts';
import { ReviewService } from './review/review.service.ts';
import { TranscriptRepository } from './transcripts/transcript.repository.ts';
import { TranscriptService } from './transcripts/transcript.service.ts';
import type { Config } from './platform/config.ts';
import { checkDatabase, migrateToLatest, openDatabase, type DatabaseHandle } from './platform/database.ts';
import { loadOrCreateKey } from './platform/key-file.ts';
import { sweepLeftovers } from './platform/leftovers.ts';
import { createLogger, type Logger } from './platform/logger.ts';
import { packageVersion } from './platform/package-path.ts';
import type { EventPublisher } from './webhooks/webhook.events.ts';
import { WebhookDeliverer } from './webhooks/webhook.delivery.ts';
import { forwardLiveAlerts } from './webhooks/webhook.live.ts';
import { WebhookPublisher, type DeliveryQueue } from './webhooks/webhook.publisher.ts';
import { WebhookRepository } from './webhooks/webhook.repository.ts';
import { SecretBox, WEBHOOK_SECRET_KEY_FILE } from './webhooks/webhook.secrets.ts';
import { WebhookService } from './webhooks/webhook.service.ts';
import { fetchTransport } from './webhooks/webhook.transport.ts';

/**
 * The composition root: every client, repository and service of a process is created here, once, from the config.
 * `escucha serve`, `worker`, `capture` (and the other commands that archive) and every test that builds the API call
 * `buildServices`; tests hand in what they made themselves (a test database, a store, a job queue) as overrides.
 */

const DEVICE_COOKIE_KEY_FILE = 'device-cookie.key';

export interface ServiceOverrides {
  /** Default: a logger at the configured level. */
  logger?: Logger;
  /** An open database (tests); otherwise the configured one, set up by its owner and used as the application role. */
  database?: DatabaseHandle;
  /** An object store (tests); otherwise the configured one, checked, with what dead writers left behind swept. */
  store?: ObjectStore;
  /**
   * The job queue: one made elsewhere (started by whoever made it), or null for none (API tests: nothing is
   * enqueued); otherwise the configured one, started here.
   */
  pipeline?: Pipeline | null;
  /** What the archive does in the transaction that stores a call; default: enqueue the first analysis stage. */
  onArchived?: ArchivedHook;
  /** The stages the API reports on when there is no job queue (default every stage). */
  stageOrder?: readonly StageName[];
  /** Recordings transcoded at once; default the config's, or one per core. */
  ingestConcurrency?: number;
  /** The argon2id cost of new password hashes (tests use a cheap one). */
  passwordCost?: PasswordCost;
  loginPolicy?: Partial<LoginPolicy>;
  /**
   * Where the audit chain's head is anchored and the device-cookie key is kept: default the data directory; null for
   * neither (the chain unanchored, a device-cookie key per process).
   */
  keyDir?: string | null;
  /** The version the API reports (health, OpenAPI document); default the package's. */
  version?: string;
  /** The clock of the promise ledger (tests set the day); default the system's. */
  now?: () => Date;
}

/** Collections follow-up: payments in, the promise ledger, the follow-up queue and the collections metrics. */
export interface CollectionsServices {
  payments: PaymentsService;
  ledger: PromiseLedgerService;
  metrics: MetricsService;
}

/** The collections services over one database, with the promise policy of the config. */
export function buildCollections(
  config: Config,
  db: DatabaseHandle['db'],
  auditor: CallerAudit,
  now?: () => Date,
  events?: EventPublisher,
): CollectionsServices {
  const payments = new PaymentsRepository(db);
  const c = config.collections;
  const calendar = new Calendar(c.timeZone);
  const ledger = new PromiseLedgerService({
    promises: new PromiseRepository(db),
    payments,
    auditor,
    policy: {
      graceDays: c.promiseGraceDays,
      tolerance: c.promiseTolerancePercent / 100,
      defaultDueDays: c.promiseDefaultDueDays,
      calendar,
    },
    ...(now ? { now } : {}),
    ...(events ? { events } : {}),
  });
  return {
    payments: new PaymentsService({ payments, ledger, auditor }),
    ledger,
    metrics: new MetricsService({
      metrics: new MetricsRepository(db),
      rollups: new RollupRepository(db),
      auditor,
      calendar,
      today: () => ledger.today(),
    }),
  };
}

/** Webhooks: the subscriptions' administration, the publisher events go through, the deliverer that sends them. */
export interface WebhookServices {
  service: WebhookService;
  /** Null without a job queue (nothing could deliver them): no event is recorded. */
  publisher: EventPublisher | null;
  /** What the workers run for each delivery job (cli/workers.ts); null without a job queue. */
  deliverer: WebhookDeliverer | null;
}

/** Webhook delivery as the config sets it, over the pipeline's job queue. */
function webhookParts(
  config: Config,
  db: DatabaseHandle['db'],
  pipeline: Pipeline | null,
  keyDir: string | null,
  logger: Logger,
  version: string,
) {
  const webhooks = new WebhookRepository(db);
  // One key per process when there is no key folder (tests): secrets sealed here are opened here.
  const secrets = new SecretBox(async () =>
    keyDir ? loadOrCreateKey(keyDir, WEBHOOK_SECRET_KEY_FILE) : randomBytes(32),
  );
  const queue: DeliveryQueue | null = pipeline
    ? { send: pipeline.sendWebhook, sendAll: pipeline.sendWebhooks }
    : null;
  const w = config.webhooks;
  return {
    webhooks,
    secrets,
    queue,
    publisher: queue ? new WebhookPublisher({ db, webhooks, queue, attempts: w.attempts }) : null,
    deliverer: queue
      ? new WebhookDeliverer({
          webhooks,
          secrets,
          transport: fetchTransport,
          queue,
          policy: { attempts: w.attempts, baseDelayMs: w.retryBaseMs, maxDelayMs: w.retryMaxMs },
          timeoutMs: w.timeoutMs,
          userAgent: `Escucha-Webhooks/${version}`,
          logger: logger.child({ component: 'webhooks' }),
        })
      : null,
  };
}

/** Everything a process is built from. */
export interface Services<P extends Pipeline | null = Pipeline> {
  config: Config;
  logger: Logger;
  database: DatabaseHandle;
  store: ObjectStore;
  pipeline: P;
  archive: ArchiveService;
  queries: CallQueryRepository;
  outcomes: OutcomeRepository;
  transcripts: TranscriptRepository;
  /** Capture details written with a captured call (the capture sink). */
  captureDetails: CaptureDetailsRepository;
  people: PeopleServices;
  calls: CallServices;
  collections: CollectionsServices;
  webhooks: WebhookServices;
  /** Calls in progress in this process (capture feeds it; the live features read it). */
  live: LiveHub;
  /** Listening to calls in progress (scope, audit); the WebSocket is services/api/live/live-audio.socket.ts. */
  liveListen: LiveListenService;
  /** The live board over `live` (calls in progress, agent activity). */
  liveBoard: LiveBoardService;
  /** What `createApp` needs; serve adds its health checks and web UI. */
  api: ApiDeps;
  version: string;
  /** Stops and closes what buildServices opened (not what came in as overrides). */
  close(): Promise<void>;
}

/** The job queue; with `store`, a job's failure is put down to an object-store outage only while the store is down. */
export function createPipeline(
  config: Config,
  database: DatabaseHandle,
  logger: Logger,
  store?: ObjectStore,
): Pipeline {
  return new Pipeline({
    db: database.db,
    pool: database.pool,
    logger: logger.child({ component: 'pipeline' }),
    retryLimit: config.pipeline.retryLimit,
    retryDelaySeconds: config.pipeline.retryDelaySeconds,
    expireInSeconds: config.pipeline.expireInSeconds,
    maintenanceIntervalSeconds: config.pipeline.maintenanceIntervalSeconds,
    pollingIntervalSeconds: config.pipeline.pollingIntervalSeconds,
    ...(store ? { checkStore: () => store.check() } : {}),
  });
}

/**
 * What the database's owner does before Escucha connects: the migrations, then the job queue's schema and queues
 * (a least-privileged role can make neither).
 */
export async function setUpDatabase(
  config: Config,
  owner: DatabaseHandle,
  logger: Logger,
): Promise<string[]> {
  const applied = await migrateToLatest(owner.db, logger);
  if (applied.length === 0 && (await jobQueueReady(owner.db))) return applied;
  const pipeline = createPipeline(config, owner, logger);
  await pipeline.start();
  await pipeline.stop();
  return applied;
}

/**
 * The database as every command but `migrate` uses it: set up by its owner, then connected as the application role
 * (on the embedded PostgreSQL; on an external one, as DATABASE_URL says).
 */
export async function openDatabaseOnly(config: Config, logger: Logger): Promise<DatabaseHandle> {
  return openDatabase(config, logger, {
    as: 'app',
    setUp: async (owner) => {
      await setUpDatabase(config, owner, logger);
    },
  });
}

/** The audit trail, its head anchored in `keyDir` (none: unanchored). */
function auditRepository(db: DatabaseHandle['db'], keyDir: string | null, logger: Logger): AuditRepository {
  return new AuditRepository(
    db,
    keyDir ? new AuditAnchor(keyDir, logger.child({ component: 'audit' })) : undefined,
  );
}

/**
 * What the command line's maintenance commands need (`keys`, `users`, `demo`, `jobs`, `audit verify`, `archive
 * rekey`).
 */
export interface Maintenance {
  keys: ApiKeyRepository;
  /** User administration with the API's rules and audit events (the command line acts as `systemCaller`). */
  userAccounts: UsersService;
  audit: AuditRepository;
  queries: CallQueryRepository;
  outcomes: OutcomeRepository;
  /** Brings the recordings in `store` under its current master key. */
  rekey(store: EncryptedObjectStore): RekeyService;
}

/** The maintenance commands' repositories and services over one database: the database is all they need. */
export function buildMaintenance(config: Config, database: DatabaseHandle, logger: Logger): Maintenance {
  const db = database.db;
  const audit = auditRepository(db, config.dataDir, logger);
  return {
    keys: new ApiKeyRepository(db),
    userAccounts: new UsersService({
      users: new UserRepository(db),
      sessions: new SessionRepository(db),
      hasher: new PasswordHasher(DEFAULT_PASSWORD_COST),
      auditor: new Auditor(audit),
    }),
    audit,
    queries: new CallQueryRepository(db),
    outcomes: new OutcomeRepository(db),
    rekey: (store) => new RekeyService({ recordings: new RekeyRepository(db), store, logger }),
  };
}

/** Whether a principal may see a call, decided over the call query repository's facts. */
function callAccessLookupOver(
  db: DatabaseHandle['db'],
  queries = new CallQueryRepository(db),
): CallAccessLookup {
  return callAccessLookup((callId) => queries.accessFacts(callId));
}

/** The people-facing services over one database and store (accounts, audit, retention, training, integrity). */
export function buildPeople(
  config: Config,
  deps: { database: DatabaseHandle; store: ObjectStore; logger: Logger; callAccess?: CallAccessLookup },
  overrides: Pick<ServiceOverrides, 'passwordCost' | 'loginPolicy' | 'keyDir'> = {},
): PeopleServices {
  const { store, logger } = deps;
  const db = deps.database.db;
  const keyDir = overrides.keyDir === undefined ? config.dataDir : overrides.keyDir;
  const audit = auditRepository(db, keyDir, logger);
  const auditor = new Auditor(audit);
  const searches = new SavedSearchRepository(db);
  const integrity = new IntegrityService({
    recordings: new RecordingIntegrityRepository(db),
    store,
    logger: logger.child({ component: 'integrity' }),
    onProblem: async (p) => {
      await audit.append(
        { type: 'system', id: 'integrity', name: 'integrity check', role: null },
        { ip: null, userAgent: null },
        {
          action: 'integrity_failure',
          callId: p.callId,
          targetType: 'recording',
          targetId: p.recordingId,
          details: { kind: p.kind, problem: p.problem, detail: p.detail },
        },
      );
    },
  });
  const auth = config.auth;
  const users = new UserRepository(db);
  const sessions = new SessionRepository(db, {
    idleMs: auth.sessionIdleMinutes * 60_000,
    maxAgeMs: auth.sessionMaxHours * 3_600_000,
  });
  const hasher = new PasswordHasher(overrides.passwordCost ?? DEFAULT_PASSWORD_COST);
  return {
    keys: new ApiKeyRepository(db),
    users,
    sessions,
    hasher,
    audit,
    auditor,
    auditTrail: new AuditService({ audit, auditor }),
    userAccounts: new UsersService({ users, sessions, hasher, auditor }),
    savedSearches: new SavedSearchService({ searches, auditor }),
    retention: new RetentionService({
      repository: new RetentionRepository(db),
      store,
      audit,
      searches,
      logger: logger.child({ component: 'retention' }),
    }),
    training: new TrainingService({
      training: new TrainingRepository(db),
      callAccess: deps.callAccess ?? callAccessLookupOver(db),
      store,
      auditor,
      integrity,
      tmpDir: config.tmpDir,
    }),
    integrity,
    auth: new AuthService({
      users,
      sessions,
      hasher,
      auditor,
      policy: {
        ...DEFAULT_LOGIN_POLICY,
        maxFailures: auth.maxFailedLogins,
        lockMs: auth.lockoutMinutes * 60_000,
        maxFailuresPerAddress: auth.maxFailedLoginsPerAddress,
        addressWindowMs: auth.addressWindowMinutes * 60_000,
        maxFailuresPerAccount: auth.maxFailedLoginsPerAccount,
        accountWindowMs: auth.accountWindowMinutes * 60_000,
        cookieSecure: auth.cookieSecure === 'auto' ? 'auto' : auth.cookieSecure === 'true',
        ...overrides.loginPolicy,
      },
      deviceCookies: new DeviceCookies({
        key: async () => (keyDir ? loadOrCreateKey(keyDir, DEVICE_COOKIE_KEY_FILE) : randomBytes(32)),
      }),
    }),
  };
}

export function buildServices(
  config: Config,
  overrides?: ServiceOverrides & { pipeline?: Pipeline },
): Promise<Services>;
export function buildServices(
  config: Config,
  overrides: ServiceOverrides & { pipeline: null },
): Promise<Services<null>>;
export function buildServices(
  config: Config,
  overrides: ServiceOverrides,
): Promise<Services<Pipeline | null>>;
export async function buildServices(
  config: Config,
  overrides: ServiceOverrides = {},
): Promise<Services<Pipeline | null>> {
  const logger = overrides.logger ?? createLogger({ level: config.logLevel });
  const closing: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const step of closing.reverse()) await step();
  };
  try {
    const database = overrides.database ?? (await openDatabaseOnly(config, logger));
    if (!overrides.database) closing.push(() => database.close());
    let store = overrides.store;
    if (!store) {
      const configured = await createObjectStore(config);
      closing.push(() => configured.close());
      await configured.check();
      // What a process killed mid-upload, mid-clip or mid-store left behind (an hour old or more: others may be
      // writing).
      await sweepLeftovers({
        tmpDir: config.tmpDir,
        ...(configured.inner instanceof FsObjectStore ? { incomingDir: configured.inner.incomingDir } : {}),
        logger,
      });
      store = configured;
    }
    let pipeline = overrides.pipeline;
    if (pipeline === undefined) {
      const created = createPipeline(config, database, logger, store);
      await created.start();
      closing.push(() => created.stop());
      pipeline = created;
    }
    const db = database.db;
    const version = overrides.version ?? packageVersion();
    const hooks = webhookParts(
      config,
      db,
      pipeline,
      overrides.keyDir === undefined ? config.dataDir : overrides.keyDir,
      logger,
      version,
    );
    const events = hooks.publisher ?? undefined;
    const transcripts = new TranscriptRepository(db);
    const onArchived = overrides.onArchived ?? pipeline?.enqueueFirst;
    const archive = new ArchiveService({
      calls: new CallRepository(db),
      store,
      audio: new FfmpegAudioTool(),
      profile: config.archive,
      logger: logger.child({ component: 'archive' }),
      concurrency:
        overrides.ingestConcurrency ?? (config.ingestConcurrency || Math.max(1, os.availableParallelism())),
      // The first analysis job is enqueued in the transaction that stores the call.
      ...(onArchived ? { onArchived } : {}),
      ...(events ? { events } : {}),
      transcripts: (trx, callId, transcript) => transcripts.storeUpload(trx, callId, transcript),
    });
    const queries = new CallQueryRepository(db);
    const outcomes = new OutcomeRepository(db);
    const callAccess = callAccessLookupOver(db, queries);
    const people = buildPeople(config, { database, store, logger, callAccess }, overrides);
    const analyses = new AnalysisRepository(db);
    const reviews = new ReviewRepository(db);
    const forms = new EvaluationFormRepository(db);
    const calls: CallServices = {
      calls: new CallsService({ archive, queries, store, integrity: people.integrity }),
      analysis: new CallAnalysisService({
        calls: queries,
        outcomes,
        analyses,
        reviews,
        stageOrder: pipeline?.order ?? overrides.stageOrder,
      }),
      transcripts: new TranscriptService({ calls: queries, transcripts, redacted: analyses }),
      scripts: new ScriptService({
        scripts: new ScriptRepository(db),
        enqueue: pipeline ? (stage, payload) => pipeline.enqueue(stage, payload) : undefined,
      }),
      reviews: new ReviewService({ reviews, forms, analyses, callAccess, auditor: people.auditor }),
      evaluations: new EvaluationService({ forms, auditor: people.auditor }),
      reports: new ReportsService({ reports: new ReportsRepository(db), auditor: people.auditor }),
    };
    const collections = buildCollections(config, db, people.auditor, overrides.now, events);
    const webhooks: WebhookServices = {
      service: new WebhookService({
        webhooks: hooks.webhooks,
        secrets: hooks.secrets,
        queue: hooks.queue,
        auditor: people.auditor,
        attempts: config.webhooks.attempts,
      }),
      publisher: hooks.publisher,
      deliverer: hooks.deliverer,
    };
    const live = new LiveHub({ logger });
    // Alerts raised on calls in progress in this process go to the webhook subscriptions that want them.
    if (hooks.publisher) {
      const stop = forwardLiveAlerts(live, hooks.publisher, logger.child({ component: 'webhooks' }));
      closing.push(async () => void stop());
    }
    const liveBoard = new LiveBoardService({
      hub: live,
      activity: new AgentActivityRepository(db),
    });
    closing.push(async () => liveBoard.close());
    const liveTranscripts = new LiveService({
      repository: new LiveRepository(db),
      hub: live,
      auditor: people.auditor,
      redact: redactLiveTranscript,
    });
    return {
      config,
      logger,
      database,
      store,
      pipeline,
      archive,
      queries,
      outcomes,
      transcripts,
      captureDetails: new CaptureDetailsRepository(db),
      people,
      calls,
      collections,
      webhooks,
      live,
      liveListen: new LiveListenService(live, people.auditor, logger.child({ component: 'live-listen' }), {
        silenceKeyPresses: config.capture.dtmfSilence,
      }),
      liveBoard,
      api: {
        logger: logger.child({ component: 'api' }),
        version,
        checkDatabase: () => checkDatabase(db),
        store,
        tmpDir: config.tmpDir,
        uploadMaxBytes: config.uploadMaxMb * 1024 * 1024,
        callAccess,
        people,
        calls,
        collections,
        webhooks: webhooks.service,
        live: liveBoard,
        liveTranscripts,
        eventStreams: new EventStreams(),
        trustProxy: config.auth.trustProxy,
      },
      version,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
