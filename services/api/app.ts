import express, { type Express } from 'express';
import type { ArchiveService } from '../archive/archive.service.ts';
import type { IntegrityService } from '../archive/integrity.service.ts';
import type { ObjectStore } from '../archive/object-store.ts';
import type { StageName, StagePayload } from '../pipeline/jobs.ts';
import type { AnalysisRepository } from '../pipeline/analysis.repository.ts';
import type { ReviewRepository } from '../pipeline/review.repository.ts';
import type { ScriptRepository } from '../pipeline/script.repository.ts';
import type { OutcomeRepository } from '../pipeline/outcome.repository.ts';
import type { TranscriptRepository } from '../pipeline/transcript.repository.ts';
import type { Db } from '../platform/database.ts';
import type { Logger } from '../platform/logger.ts';
import type { AuditRepository } from './audit/audit.repository.ts';
import { auditRouter } from './audit/audit.router.ts';
import type { AuditService } from './audit/audit.service.ts';
import type { Auditor } from './audit/auditor.ts';
import { callAccessGuard } from './audit/call-access.middleware.ts';
import { ACCESS_RULES, authorize } from './auth/access.policy.ts';
import type { ApiKeyRepository } from './auth/api-keys.ts';
import { authenticate } from './auth/auth.middleware.ts';
import { accountRouter, loginRouter } from './auth/auth.router.ts';
import type { AuthService } from './auth/auth.service.ts';
import type { CallAccessLookup } from './auth/call-scope.ts';
import type { PasswordHasher } from './auth/password.hasher.ts';
import { listRoutes, searchParamNames } from './auth/route-list.ts';
import type { SessionRepository } from './auth/session.repository.ts';
import type { CallQueryRepository } from './calls/call-query.repository.ts';
import { reviewRouter } from './analytics/review.router.ts';
import type { EvaluationFormRepository } from './evaluation/evaluation.repository.ts';
import { evaluationFormsRouter } from './evaluation/evaluation.router.ts';
import type { ReportsRepository } from './reports/reports.repository.ts';
import { reportsRouter } from './reports/reports.router.ts';
import { retentionRouter } from './retention/retention.router.ts';
import type { RetentionService } from './retention/retention.service.ts';
import { scriptsRouter } from './analytics/scripts.router.ts';
import { analysisRouter } from './calls/analysis.router.ts';
import { callsRouter } from './calls/calls.router.ts';
import { errorMiddleware, notFound } from './error.middleware.ts';
import { trainingRouter } from './training/training.router.ts';
import type { TrainingService } from './training/training.service.ts';
import { savedSearchesRouter } from './users/saved-searches.router.ts';
import type { SavedSearchService } from './users/saved-searches.service.ts';
import type { UserRepository } from './users/user.repository.ts';
import { usersRouter } from './users/users.router.ts';
import type { UsersService } from './users/users.service.ts';
import { webUi } from '../web/static.ts';

/**
 * Everything people-facing the API needs: API keys, accounts and sessions, the audit trail, saved searches,
 * retention and legal holds, the training library, and the integrity check of stored recordings.
 */
export interface PeopleServices {
  keys: ApiKeyRepository;
  users: UserRepository;
  sessions: SessionRepository;
  hasher: PasswordHasher;
  audit: AuditRepository;
  auditor: Auditor;
  /** The audit trail as compliance reads, exports and verifies it. */
  auditTrail: AuditService;
  /** Administration of user accounts. */
  userAccounts: UsersService;
  savedSearches: SavedSearchService;
  retention: RetentionService;
  training: TrainingService;
  /** Stored recordings checked against their archived sha256 (playback, `archive verify`, the daily sample). */
  integrity: IntegrityService;
  /** Signing in (throttled) and out, changing one's own password. */
  auth: AuthService;
}

/** The calls and their analysis: search, playback, transcripts, review queues, scripts, evaluation forms, reports. */
export interface CallServices {
  /** The review router still reads the database itself. */
  db: Db;
  queries: CallQueryRepository;
  outcomes: OutcomeRepository;
  transcripts: TranscriptRepository;
  analyses: AnalysisRepository;
  reviews: ReviewRepository;
  scripts: ScriptRepository;
  forms: EvaluationFormRepository;
  reports: ReportsRepository;
  /** The analysis stages this deployment runs, in order. */
  stageOrder: readonly StageName[];
  /** Enqueues a pipeline stage for a call (re-evaluation with new scripts); without it the API cannot. */
  enqueue?: (stage: StageName, payload: StagePayload) => Promise<unknown>;
}

/** What the API is built from; services/composition.ts builds it (`buildServices`). */
export interface ApiDeps {
  logger: Logger;
  version: string;
  /** Whether the database answers (for /health). */
  checkDatabase: () => Promise<void>;
  /** More checks for /health, by name: 'ok' or what is wrong (capture's spool, where serve runs capture). */
  healthChecks?: () => Record<string, string>;
  archive: ArchiveService;
  store: ObjectStore;
  tmpDir: string;
  uploadMaxBytes: number;
  /** Whether a principal may see a call (scope), with what the audit needs to know of it. */
  callAccess: CallAccessLookup;
  people: PeopleServices;
  calls: CallServices;
  /** Folder of the built web UI served at `/` (default services/web/dist); null serves no UI. */
  webDir?: string | null;
  /** Express `trust proxy` setting: proxies allowed to set X-Forwarded-For/Proto (default none). */
  trustProxy?: string;
}

export function createApp(deps: ApiDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy ? deps.trustProxy : false);
  app.set('query parser', 'simple');

  const { people, calls } = deps;
  const capabilities = () => ({
    routes: listRoutes(app, '/api/v1').map((r) => `${r.method} ${r.path}`),
    searchParams: searchParamNames(),
  });
  const api = express.Router();
  // API answers are data for the client that asked: never sniffed as another type, never kept by a shared cache
  // (routes that serve audio set their own caching).
  api.use((_req, res, next) => {
    res.set({ 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store' });
    next();
  });
  // Liveness/readiness for load balancers and orchestrators: no key, no data beyond up/down.
  api.get('/health', async (_req, res) => {
    const checks: Record<string, 'ok' | string> = {};
    try {
      await deps.checkDatabase();
      checks.database = 'ok';
    } catch (error) {
      checks.database = (error as Error).message;
    }
    try {
      await deps.store.check();
      checks.storage = 'ok';
    } catch (error) {
      checks.storage = (error as Error).message;
    }
    Object.assign(checks, deps.healthChecks?.());
    const ok = Object.values(checks).every((v) => v === 'ok');
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'degraded', version: deps.version, checks });
  });
  api.use(loginRouter(people.auth));
  api.use(authenticate(people.keys, people.sessions));
  // Access rules, then call scope and the audit of reads, then the audit of searches, before any other router.
  api.use(authorize(ACCESS_RULES));
  api.use('/calls/:id', callAccessGuard(deps.callAccess, people.auditor));
  api.get('/calls', async (req, _res, next) => {
    await people.auditor.record(req, { action: 'search', details: { query: req.query } });
    next();
  });
  api.use(express.json({ limit: '1mb' }));
  api.use(
    callsRouter({
      archive: deps.archive,
      queries: calls.queries,
      store: deps.store,
      tmpDir: deps.tmpDir,
      uploadMaxBytes: deps.uploadMaxBytes,
      integrity: people.integrity,
    }),
  );
  api.use(
    analysisRouter({
      queries: calls.queries,
      outcomes: calls.outcomes,
      transcripts: calls.transcripts,
      stageOrder: calls.stageOrder,
      analyses: calls.analyses,
      reviews: calls.reviews,
    }),
  );
  api.use(scriptsRouter({ scripts: calls.scripts, ...(calls.enqueue ? { enqueue: calls.enqueue } : {}) }));
  api.use(
    reviewRouter({
      db: calls.db,
      reviews: calls.reviews,
      forms: calls.forms,
      analyses: calls.analyses,
      auditor: people.auditor,
    }),
  );
  api.use(evaluationFormsRouter({ forms: calls.forms, auditor: people.auditor }));
  api.use(reportsRouter({ reports: calls.reports, auditor: people.auditor }));
  api.use(accountRouter(people.auth, capabilities));
  api.use(usersRouter(people.userAccounts));
  api.use(auditRouter(people.auditTrail));
  api.use(savedSearchesRouter(people.savedSearches));
  api.use(retentionRouter(people.retention));
  api.use(trainingRouter(people.training));
  api.use(notFound);
  app.use('/api/v1', api);
  app.use('/api/v1', errorMiddleware(deps.logger));
  if (deps.webDir !== null) app.use(webUi(deps.webDir));
  app.use(notFound);
  app.use(errorMiddleware(deps.logger));
  return app;
}
